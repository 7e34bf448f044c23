using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// The generated family's data: configurations are drawn from one weight table, swarm-style, only with the actor kinds
/// a profile's Xen has callers for, within limits, and read back from JSON with clear errors.
/// </summary>
public sealed class GeneratedConfigTests
{
    private const int Draws = 2000;

    private static Func<int, int> Choices(int seed) => SampleConfigs.Choices(seed);

    private static GeneratedConfig[] DrawMany(Profile profile, int seed) =>
        Enumerable.Range(0, Draws).Select(i => ConfigDraw.Draw(profile, Choices(seed + i))).ToArray();

    public static TheoryData<string> ProfileNames() => [.. Catalogue.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(ProfileNames))]
    public void Every_draw_is_a_valid_configuration_with_two_actors_that_change_state(string name)
    {
        var profile = Catalogue.Get(name);
        foreach (var config in DrawMany(profile, 1))
        {
            Assert.Null(config.Validate(profile));
            Assert.True(config.Actors.Count(a => ActorKinds.ChangesState(a.Kind)) >= GenerationWeights.MinStateChangers, string.Join("; ", config.Describe()));
            Assert.All(config.Actors, a => Assert.Null(ActorKinds.NotApplicable(a.Kind, profile)));
        }
    }

    [Fact]
    public void The_same_choices_draw_the_same_configuration_and_other_choices_another()
    {
        var profile = Catalogue.Reference;
        Assert.Equal(ConfigDraw.Draw(profile, Choices(5)).ToJson(), ConfigDraw.Draw(profile, Choices(5)).ToJson());
        Assert.True(DrawMany(profile, 9).Select(c => c.ToJson()).Distinct().Count() > Draws / 2);
    }

    [Theory]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.22")]
    [InlineData("reference")]
    public void Swarm_each_applicable_kind_is_in_about_three_quarters_of_the_configurations_and_out_of_the_rest(string name)
    {
        var profile = Catalogue.Get(name);
        var configs = DrawMany(profile, 100);
        foreach (var kind in ActorKinds.Swarm(profile))
        {
            // In with 1 - 1/AbsentOneIn; never in all of them, so that what a kind hides is found without it.
            var share = configs.Count(c => c.Actors.Any(a => a.Kind == kind)) / (double)configs.Length;
            Assert.InRange(share, 0.6, 0.9);
        }
    }

    [Fact]
    public void Kinds_a_version_has_no_caller_for_are_never_drawn_and_say_why()
    {
        Assert.Contains("c492e19fdd", ActorKinds.NotApplicable(ActorKind.TmemClient, Catalogue.Xen422), StringComparison.Ordinal);
        Assert.Contains("0a393d881f", ActorKinds.NotApplicable(ActorKind.ExtraPages, Catalogue.Xen413), StringComparison.Ordinal);
        Assert.NotNull(ActorKinds.NotApplicable(ActorKind.ClaimToolstack, Catalogue.NoClaims));
        Assert.Null(ActorKinds.NotApplicable(ActorKind.TmemClient, Catalogue.Xen43));
        Assert.DoesNotContain(DrawMany(Catalogue.Xen422, 3), c => c.Actors.Any(a => a.Kind == ActorKind.TmemClient));
        Assert.DoesNotContain(DrawMany(Catalogue.NoClaims, 3), c => c.Actors.Any(a => a.Kind == ActorKind.ClaimToolstack));
        Assert.Contains(DrawMany(Catalogue.Xen43, 3), c => c.Actors.Any(a => a.Kind == ActorKind.TmemClient));
    }

    [Fact]
    public void A_builder_whose_max_pages_fits_its_build_has_room_for_the_device_models_video_ram_as_libxl_gives_it()
    {
        var configs = DrawMany(Catalogue.Xen422, 13);
        var served = configs.Where(c => c.Actors.Any(a => a.Kind == ActorKind.DeviceModel)).ToArray();
        var alone = configs.Except(served).ToArray();
        Assert.NotEmpty(served);
        Assert.NotEmpty(alone);
        foreach (var config in served)
        {
            var videoPages = config.Actors.Single(a => a.Kind == ActorKind.DeviceModel).Steps;
            Assert.InRange(videoPages, 1, GenerationWeights.MaxVideoPages);
            // Never exactly its build: the device model's pages would take a build that fits to max_pages and fail it.
            Assert.All(config.Actors.Where(a => a.Kind == ActorKind.Builder), b => Assert.NotEqual(b.TargetPages, b.MaxPages));
        }

        // Positive space: the room is there, exactly the video RAM, and without a device model a build fits max_pages.
        Assert.Contains(served, c => c.Actors.Any(b => b.Kind == ActorKind.Builder
            && b.MaxPages == b.TargetPages + c.Actors.Single(a => a.Kind == ActorKind.DeviceModel).Steps));
        Assert.Contains(alone, c => c.Actors.Any(b => b.Kind == ActorKind.Builder && b.MaxPages == b.TargetPages));
    }

    [Fact]
    public void Builders_sometimes_exceed_the_host_or_their_max_pages_and_place_vnuma_guests_on_two_nodes()
    {
        var builders = DrawMany(Catalogue.ClaimSets, 7).SelectMany(c => c.Actors.Where(a => a.Kind == ActorKind.Builder).Select(a => (c, a))).ToArray();
        Assert.Contains(builders, x => x.a.TargetPages > x.c.TotalPages);
        Assert.Contains(builders, x => x.a.MaxPages < x.a.TargetPages);
        Assert.Contains(builders, x => x.a.MaxPages > x.a.TargetPages);
        Assert.Contains(builders, x => x.a.NodePages!.Count == 2 && x.a.Style == ClaimStyle.PerNode);
        Assert.All(builders.Where(x => x.a.NodePages!.Count == 2), x => Assert.All(x.a.NodePages!, pages => Assert.InRange(pages, 0, x.c.NodePages)));
        Assert.DoesNotContain(DrawMany(Catalogue.Xen422, 7).SelectMany(c => c.Actors), a => a.Style == ClaimStyle.PerNode);
    }

    [Fact]
    public void About_one_host_in_four_holds_2_mib_extents_and_its_builds_are_whole_extents()
    {
        var configs = DrawMany(Catalogue.ClaimSets, 13);
        var extentHosts = configs.Where(c => c.ExtentsPerNode > 0).ToArray();
        Assert.InRange(extentHosts.Length / (double)configs.Length, 0.2, 0.3);
        Assert.All(extentHosts, c => Assert.InRange(c.ExtentsPerNode, 1, GenerationWeights.MaxDrawnExtentsPerNode));
        Assert.Contains(extentHosts, c => c.ExtentsPerNode == GenerationWeights.MaxDrawnExtentsPerNode);
        var builders = extentHosts.SelectMany(c => c.Actors.Where(a => a.Kind == ActorKind.Builder).Select(a => (c, a))).ToArray();
        // A build within the host is whole extents, each virtual node too (and so its scrub may be preempted on 4.22).
        Assert.All(builders.Where(x => x.a.TargetPages <= x.c.TotalPages),
            x => Assert.All(x.a.NodePages!, pages => Assert.Equal(0, pages % GeneratedConfig.ExtentPages)));
        Assert.Contains(builders, x => x.a.NodePages!.Count == 2 && x.a.NodePages.All(p => p > 0));
        Assert.Contains(builders, x => x.a.TargetPages > x.c.TotalPages);
        // The other actors size themselves against the few pages, what they compete for with the builds.
        Assert.All(extentHosts.SelectMany(c => c.Actors.Where(a => a.Kind == ActorKind.BalloonGuest).Select(a => (c, a))),
            x => Assert.InRange(x.a.MaxPages, 1, x.c.FewPages));
        // The stash's fix reaches them, and no host without extents.
        var stash = FindingFixes.Get("build-stash-escapes-accounting")!;
        Assert.All(extentHosts, c => Assert.True(stash.CanReach(c)));
        Assert.DoesNotContain(configs.Where(c => c.ExtentsPerNode == 0), stash.CanReach);
    }

    [Fact]
    public void An_extent_host_says_so_in_its_json_and_its_description_and_a_host_without_extents_as_before()
    {
        var config = GeneratedConfig.FromRecord("""{"nodes":2,"pagesPerNode":4,"extentsPerNode":1,"actors":[{"kind":"observer","name":"o","steps":1}]}""");
        Assert.Equal((516L, 1032L, 8L), (config.NodePages, config.TotalPages, config.FewPages));
        Assert.Equal(new ClaimVerified.HostConfig(2, 516), config.Host);
        Assert.Equal("host: 2 node(s) x 4 pages + 1 extent(s) of 512 pages (516 pages a node)", config.Describe()[0]);
        Assert.Contains("\"extentsPerNode\": 1", config.ToJson(), StringComparison.Ordinal);
        var few = config with { ExtentsPerNode = 0 };
        Assert.DoesNotContain("extentsPerNode", few.ToJson(), StringComparison.Ordinal);
        Assert.Equal("host: 2 node(s) x 4 pages", few.Describe()[0]);
    }

    [Fact]
    public void A_configuration_reads_back_from_its_json()
    {
        var config = ConfigDraw.Draw(Catalogue.Xen43, Choices(11));
        var back = GeneratedConfig.Parse(config.ToJson(), Catalogue.Xen43);
        Assert.Equal(config.ToJson(), back.ToJson());
        Assert.Matches("\"kind\": \"[a-z]+(-[a-z]+)*\"", config.ToJson());
    }

    [Theory]
    [InlineData("{", "not a generated configuration")]
    [InlineData("null", "empty or null")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[]}""", "1..12 actors")]
    [InlineData("""{"nodes":3,"pagesPerNode":8,"actors":[{"kind":"observer","name":"o","steps":1}]}""", "1..2 nodes")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"dragon","name":"o"}]}""", "not a generated configuration")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b","nodePages":[-1],"maxPages":4}]}""", "each 0..32")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b","nodePages":[4],"maxPages":-4}]}""", "page counts 0..32")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"observer","name":"o","steps":99}]}""", "steps must be 0..16")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"observer","name":"o","steps":1},{"kind":"observer","name":"o","steps":1}]}""", "a name of its own")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"tmem-client","name":"t","maxPages":4,"steps":1}]}""", "does not apply to xen-4.22")]
    [InlineData("""{"nodes":2,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b","nodePages":[4,4],"maxPages":8,"style":"per-node"}]}""", "no per-node claims")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"observer","name":"o","steps":1}],"extra":1}""", "not a generated configuration")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b","nodePages":[4],"maxPages":4,"placed":true}]}""", "only a builder of one size on a host of several nodes is NUMA-placed")]
    [InlineData("""{"nodes":2,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b","nodePages":[4,4],"maxPages":8,"placed":true}]}""", "only a builder of one size on a host of several nodes is NUMA-placed")]
    [InlineData("""{"nodes":2,"pagesPerNode":8,"actors":[{"kind":"observer","name":"o","steps":1,"placed":true}]}""", "only a builder has node pages or is NUMA-placed")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"extentsPerNode":5,"actors":[{"kind":"observer","name":"o","steps":1}]}""", "0..4 extents of 512 pages")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"extentsPerNode":-1,"actors":[{"kind":"observer","name":"o","steps":1}]}""", "0..4 extents of 512 pages")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"extentsPerNode":"many","actors":[{"kind":"observer","name":"o","steps":1}]}""", "not a generated configuration")]
    public void A_bad_configuration_is_refused_with_what_is_wrong(string json, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => GeneratedConfig.Parse(json, Catalogue.Xen422));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_numa_placed_builder_is_valid_on_two_nodes_where_xen_has_the_domctl_and_only_there()
    {
        var placed = GeneratedConfig.FromRecord("""{"nodes":2,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b","nodePages":[4],"maxPages":4,"placed":true},{"kind":"observer","name":"o","steps":1}]}""");
        Assert.Null(placed.Validate(Catalogue.Xen422));
        Assert.Null(placed.Validate(Catalogue.Xen43));
        Assert.Contains("NUMA-placed", placed.Validate(Catalogue.Seed2012), StringComparison.Ordinal); // 4.2: no XEN_DOMCTL_setnodeaffinity
        Assert.Contains("NUMA-placed", placed.Actors[0].Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_finding_of_the_manifest_has_one_fix_and_the_reference_has_every_fix()
    {
        var manifest = ExpectedResults.Load();
        Assert.Equal(manifest.Findings.Keys.Order(StringComparer.Ordinal), FindingFixes.All.Select(f => f.Finding).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(FindingFixes.All, f => f.Applies(Catalogue.Reference));
        foreach (var row in manifest.Results.Where(r => r.ExpectsViolation))
        {
            var fix = FindingFixes.Get(row.Finding!)!;
            Assert.True(fix.Applies(Catalogue.Get(row.Profile)), $"the fix of {row.Finding} does not apply to {row.Profile}, where a staged cell shows it");
            Assert.False(fix.Applies(fix.ToProfile(Catalogue.Get(row.Profile))), $"the fix of {row.Finding} does not fix itself");
        }
    }
}
