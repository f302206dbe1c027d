namespace XRayHpc.Torch;

public static partial class torch
{
    /// <summary>torch.backends: process-wide switches of libtorch's kernel libraries.</summary>
    public static class backends
    {
        /// <summary>torch.backends.mkldnn: oneDNN kernels (convolutions among others).</summary>
        public static class mkldnn
        {
            /// <summary>Whether ATen may use oneDNN (false: its native kernels); reads false when oneDNN is not
            /// compiled in. Like PyTorch's flag it is process-wide: a caller that turns it off restores it.</summary>
            public static bool enabled
            {
                get => Native.xt_mkldnn_enabled() != 0;
                set => Native.Check(Native.xt_set_mkldnn_enabled(value ? 1 : 0));
            }
        }
    }
}
