using NLog;

namespace XRayHpc.Training.Train;

/// <summary>The transfer-learning part of a member's start in the rank log: every key model.init loaded,
/// adapted, re-initialised or ignored, and what model.freeze froze.</summary>
static class TransferLog
{
    public static void Write(Logger log, int member, MemberModel model)
    {
        if (model.InitReport is { } r)
            foreach (var line in r.Lines()) log.Info($"member {member}: {line}");
        if (model.Freezing.FrozenParameters.Count > 0)
            log.Info($"member {member}: {model.Freezing.FrozenParameters.Count} parameters frozen (no gradients, no optimizer state, BatchNorm in eval mode): {string.Join(", ", model.Freezing.FrozenParameters)}");
    }
}
