namespace XRayHpc.Torch;

/// <summary>`run.device`: Auto = CUDA when the shim was built with it and a GPU is visible, else CPU.</summary>
public enum DeviceSetting { Auto, Cpu, Cuda }
