// libtorch's thread count is process-wide, and the fixture's run is shared: one test class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
