using System.Globalization;

namespace XRayHpc.Training.Config;

/// <summary>
/// One entry of a search-space `choice: [...]` list: a number (batch_size: {choice: [16, 32]}) or a name
/// (optimizer: {choice: [sgd, adam]}, model: {choice: [resnet18, densenet121]}). Which of the two a key allows
/// is checked once, by <see cref="ConfigValidator"/>.
/// </summary>
public sealed record ChoiceValue : IScalarShorthand, IScalarValue
{
    public double? Number { get; private set; }
    public string? Name { get; private set; }

    public ChoiceValue() { }
    public ChoiceValue(double number) => Number = number;
    public ChoiceValue(string name) => Name = name;

    public static implicit operator ChoiceValue(double number) => new(number);
    public static implicit operator ChoiceValue(string name) => new(name);

    /// <summary>A finite number is a number; any other word is a name.</summary>
    public bool TrySetFromScalar(string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) { Number = d; Name = null; }
        else { Name = text; Number = null; }
        return text.Length > 0;
    }

    public string Expected => "a number or a name";

    public object Scalar => Number is { } n ? n : Name ?? "";

    public override string ToString() => Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : Name ?? "";
}
