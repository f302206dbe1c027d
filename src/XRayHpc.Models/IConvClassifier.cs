using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Models;

/// <summary>
/// A CNN split at its last convolutional stage, so explanations (Grad-CAM, CAM) can take the feature map and
/// differentiate the class scores with respect to it. forward(x) is exactly Head(Features(x)).
/// </summary>
public interface IConvClassifier
{
    /// <summary>Output of the last convolutional stage, [N, C, h, w] (torchvision: ResNet `layer4`, DenseNet `features`).</summary>
    Tensor Features(Tensor x);

    /// <summary>Class logits from a feature map. Must not modify <paramref name="features"/> in place (it may be a leaf that needs its gradient).</summary>
    Tensor Head(Tensor features);

    /// <summary>Turns the feature map into what global average pooling sees (ResNet: itself; DenseNet: ReLU of it),
    /// so plain CAM = classifier weights · this map.</summary>
    Tensor PooledInput(Tensor features);

    /// <summary>The final linear layer (after global average pooling).</summary>
    Linear Classifier { get; }

    /// <summary>torchvision name of the module whose output <see cref="Features"/> returns.</summary>
    string FeatureLayer { get; }
}
