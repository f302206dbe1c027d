using System.Text.RegularExpressions;

namespace XRayHpc.Training.Tests;

/// <summary>
/// Guards set-up against "works on my machine": every program a test starts must come from a package that
/// env/setup.sh installs. (Seventeen DICOM tests once failed on a fresh clone because dcmtk was missing from
/// env/packages.txt while the CI machine happened to have it.)
/// </summary>
public class ExternalToolGuardTests
{
    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "env", "packages.txt"))) return d.FullName;
        throw new DirectoryNotFoundException($"env/packages.txt not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Package names of env/packages.txt: the first word of each line, '#' comments removed (as env/setup.sh reads it).</summary>
    static HashSet<string> ListedPackages() =>
        File.ReadLines(Path.Combine(RepoRoot(), "env", "packages.txt"))
            .Select(l => l.Split('#', 2)[0].Trim()).Where(l => l.Length > 0)
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]).ToHashSet();

    [Fact]
    public void Every_tool_the_resolver_knows_comes_from_a_package_listed_in_env_packages_txt()
    {
        var listed = ListedPackages();
        var unlisted = ExternalTool.Tools
            .Where(t => !listed.Contains(t.Value.Package) && !ExternalTool.EssentialPackages.Contains(t.Value.Package))
            .Select(t => $"{t.Key} (package {t.Value.Package})").ToList();
        Assert.True(unlisted.Count == 0, "tools whose package is missing from env/packages.txt: " + string.Join(", ", unlisted));
    }

    /// <summary>
    /// A new test that starts a program directly (a /usr/bin/NAME string literal, or a literal first argument of
    /// ProcessStartInfo, RefTool.Run or Client) must name one the resolver knows, so the test above covers its package too. The .NET SDK
    /// (`dotnet`) is the one prerequisite outside Debian packages; env/setup.sh checks it.
    /// </summary>
    [Fact]
    public void Test_sources_start_only_programs_the_resolver_knows()
    {
        var patterns = new[]
        {
            new Regex(@"""/usr/s?bin/([A-Za-z0-9_.+-]+)"""),
            new Regex(@"ProcessStartInfo\(\s*""([^""]+)"""),
            new Regex(@"(?:RefTool\.Run|Client|ExternalTool\.Resolve|MissingReason)\(\s*""([^""]+)"""),
        };
        var unknown = new List<string>();
        var tests = Path.Combine(RepoRoot(), "tests");
        foreach (var file in Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(tests, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            var text = File.ReadAllText(file);
            foreach (var re in patterns)
                foreach (Match m in re.Matches(text))
                {
                    var name = Path.GetFileName(m.Groups[1].Value);
                    // "" is a folder joined with a variable ("/usr/bin/" + tool): RefTool.Run resolves those at run time.
                    if (name.Length > 0 && name != "dotnet" && !ExternalTool.Tools.ContainsKey(name)) unknown.Add($"{rel}: {name}");
                }
        }
        Assert.True(unknown.Count == 0, "programs started by tests but unknown to ExternalTool (add them with their package): " + string.Join(", ", unknown.Distinct()));
    }

    [Fact]
    public void A_missing_tool_fails_with_the_package_to_install()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ExternalTool.Resolve("/nonexistent-dir/dcmconv"));
        Assert.Contains("install dcmtk (env/packages.txt", e.Message);
        Assert.Equal(e.Message, ExternalTool.MissingReason("/nonexistent-dir/dcmconv"));
    }

    [Fact]
    public void An_unknown_tool_is_refused_until_it_is_listed()
    {
        var tool = "dcmunknowntool"; // through a variable: the source scan above would flag a literal
        var e = Assert.Throws<InvalidOperationException>(() => ExternalTool.Resolve(tool));
        Assert.Contains("ExternalTool.Tools", e.Message);
        Assert.Contains("env/packages.txt", e.Message);
    }

    [Fact]
    public void An_installed_tool_resolves_to_an_existing_file()
    {
        // coreutils is Essential on Debian: always there, so this checks lookup, not the machine's set-up.
        Assert.True(File.Exists(ExternalTool.Resolve("env")));
        Assert.Null(ExternalTool.MissingReason("id"));
    }
}
