using Xunit;

// libtorch's random generator, thread count and allocator are process-wide: test classes running in
// parallel would draw from one another's seeded streams (seen: a same-seed test failing only under
// parallel runs). On the 2-core CI machine parallel classes gain little anyway, so the whole Torch
// test assembly runs one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
