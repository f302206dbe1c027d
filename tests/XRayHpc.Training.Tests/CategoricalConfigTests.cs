using XRayHpc.Training.Config;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Tests;

/// <summary>search_space choices of names (optimizer, model): bound, validated once (ConfigValidator), round-tripped.</summary>
public class CategoricalConfigTests
{
    const string Minimal = "run:\n  dir: runs/t\ndata:\n  cache: cache/t\n";

    static ConfigException Fails(string yaml, params string[] overrides) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, "experiment.yaml", overrides));

    static string Tuner(string kind, string space) => Minimal + $"tuner:\n  kind: {kind}\n  population: 2\n  search_space:\n{space}";

    [Fact]
    public void Names_bind_to_categorical_domains_in_the_listed_order_and_round_trip()
    {
        var c = ConfigLoader.Load(Tuner("asha", "    optimizer: {choice: [adam, sgd]}\n    model: {choice: [resnet18, densenet121]}\n    batch_size: {choice: [16, 32]}\n"), "e.yaml");
        var space = TunerConfig.SpaceOf(c.Tuner).Parameters.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(["adam", "sgd"], Assert.IsType<Categorical>(space["optimizer"]).Names);
        Assert.Equal(["resnet18", "densenet121"], Assert.IsType<Categorical>(space["model"]).Names);
        Assert.Equal([16.0, 32.0], Assert.IsType<Choice>(space["batch_size"]).Values);

        var yaml = ConfigLoader.ToYaml(c);
        Assert.Contains("choice: [\"adam\", \"sgd\"]", yaml);
        Assert.Contains("choice: [16, 32]", yaml); // numbers are written as before
        Assert.Equal(yaml, ConfigLoader.ToYaml(ConfigLoader.Load(yaml, "config.resolved.yaml")));
    }

    [Fact]
    public void Unknown_names_are_errors_naming_the_key_and_the_allowed_names()
    {
        var e = Fails(Tuner("random", "    optimizer: {choice: [sgd, adamm]}\n    model: {choice: [resnet18, vgg16]}\n"));
        var opt = Assert.Single(e.Problems, p => p.KeyPath == "tuner.search_space.optimizer.choice");
        Assert.Contains("'adamm'", opt.Reason);
        Assert.Contains("allowed: sgd, adam, adamw", opt.Reason);
        Assert.Contains("did you mean", opt.Reason);
        var model = Assert.Single(e.Problems, p => p.KeyPath == "tuner.search_space.model.choice");
        Assert.Contains("'vgg16'", model.Reason);
        Assert.Contains("resnet18, resnet34, resnet50, densenet121", model.Reason);
    }

    [Fact]
    public void Names_only_for_categorical_keys_and_categorical_keys_only_as_choices()
    {
        var e = Fails(Tuner("random", "    lr: {choice: [0.1, fast]}\n    optimizer: {uniform: [0, 1]}\n"));
        Assert.Contains(e.Problems, p => p.KeyPath == "tuner.search_space.lr.choice" && p.Reason.Contains("'fast' is not a number"));
        Assert.Contains(e.Problems, p => p.KeyPath == "tuner.search_space.optimizer" && p.Reason.Contains("{choice: [sgd, adam, adamw]}"));
        var numbersForNames = Fails(Tuner("random", "    model: {choice: [1, 2]}\n"));
        Assert.Contains(numbersForNames.Problems, p => p.KeyPath == "tuner.search_space.model.choice" && p.Reason.Contains("'1' is not a known model"));
    }

    [Fact]
    public void Pbt_refuses_a_model_choice_but_accepts_an_optimizer_choice()
    {
        var e = Fails(Tuner("pbt", "    model: {choice: [resnet18, densenet121]}\n"));
        var p = Assert.Single(e.Problems);
        Assert.Equal("tuner.search_space.model", p.KeyPath);
        Assert.Contains("PBT cannot search over the architecture", p.Reason);
        ConfigLoader.Load(Tuner("pbt", "    optimizer: {choice: [sgd, adam]}\n"), "e.yaml");
    }

    [Fact]
    public void A_model_choice_must_suit_every_transfer_setting()
    {
        var e = Fails(Tuner("random", "    model: {choice: [resnet18, densenet121]}\n") + "model:\n  freeze: {through: layer2}\n");
        Assert.Contains(e.Problems, p => p.KeyPath == "model.freeze.through" && p.Reason.Contains("not a stage of densenet121"));
    }

    [Fact]
    public void Search_space_choices_can_be_set_from_the_command_line()
    {
        var c = ConfigLoader.Load(Tuner("random", "    lr: {log_uniform: [0.001, 0.1]}\n"), "e.yaml",
            ["tuner.search_space.optimizer={choice: [sgd, adam]}"]);
        Assert.Equal(["sgd", "adam"], c.Tuner.SearchSpace["optimizer"].Choice!.Select(v => v.Name));
    }
}
