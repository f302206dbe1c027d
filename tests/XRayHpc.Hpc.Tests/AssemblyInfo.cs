// The Slurm jobs, mpirun benchmarks and training runs each want both cores of the CI machine; running
// test classes side by side would only make every one of them slower.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
