// Every test here that starts mpirun wants both cores of the CI machine (4-rank jobs oversubscribe them
// on purpose); xunit's default runs test classes side by side, which stacked 2- and 4-rank jobs on the
// same 2 cores and made their time limits flaky. One job at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
