using XRayHpc.Mpi.TestApp;

// Usage: mpirun -np N dotnet XRayHpc.Mpi.TestApp.dll <scenario> [args]
// Every scenario prints "PASS <scenario> rank R" on success; failures throw and abort the job.
return Scenarios.Run(args);
