// libtorch's generator and thread count are process-wide (see the Torch tests): one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
