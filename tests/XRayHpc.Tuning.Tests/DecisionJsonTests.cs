using System.Text.Json;
using XRayHpc.Tuning;

namespace XRayHpc.Tuning.Tests;

/// <summary>The trainer broadcasts the tuner's own decision types from world rank 0 as JSON: every kind must arrive as itself.</summary>
public class DecisionJsonTests
{
    static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public void Every_decision_kind_round_trips_with_its_type_and_lineage_record()
    {
        var old = new Hyperparameters(new Dictionary<string, double> { ["lr"] = 0.01 });
        var hp = new Hyperparameters(new Dictionary<string, double> { ["lr"] = 0.1 / 3, ["weight_decay"] = 1e-5 });
        IReadOnlyList<MemberDecision> sent =
        [
            new Continue(0),
            new Exploit(1, 0, hp, new LineageRecord(3, 24, 1, 0, "exploit", old, hp)),
            new Restart(2, hp, new LineageRecord(3, 24, 2, null, "restart", old, hp)),
            new Stop(3),
        ];
        var json = JsonSerializer.Serialize(sent, Options);
        Assert.Contains("\"kind\":\"exploit\"", json);
        var received = JsonSerializer.Deserialize<List<MemberDecision>>(json, Options)!;

        Assert.Equal(sent, received); // records: same type, same values (doubles bit for bit)
        var e = Assert.IsType<Exploit>(received[1]);
        Assert.Equal(0.1 / 3, e.NewHp["lr"]);
        Assert.Equal(e.Record, e.Lineage);
        Assert.Null(received[3].Lineage);
    }
}
