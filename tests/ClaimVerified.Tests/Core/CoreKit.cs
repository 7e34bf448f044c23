using System.Reflection;
using System.Text;
using Xunit.Sdk;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Core;

/// <summary>
/// Shared helpers for the core tests: profile lists for theories, host and domain set-up, and the snapshot rendering
/// that "nothing changed" assertions compare.
/// </summary>
public static class CoreKit
{
    /// <summary>Every profile's name, in history order.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Catalogue.All.Select(p => p.Name).ToArray();

    /// <summary>Profiles that have XENMEM_claim_pages (every one but no-claims).</summary>
    public static IReadOnlyList<string> ClaimNames { get; } =
        Catalogue.All.Where(p => p.ClaimsSupported).Select(p => p.Name).ToArray();

    public static Host NewHost(string profile, int nodes = 1, long pagesPerNode = 4096, bool llc = false) =>
        new(Catalogue.Get(profile), new HostConfig(nodes, pagesPerNode, llc));

    /// <summary>A host of the given shape with one domain created to <paramref name="maxPages"/>: most tests start here.</summary>
    public static (Host Host, int Domid) WithDomain(string profile, long maxPages = 4096, int nodes = 1,
        long pagesPerNode = 4096, bool llc = false)
    {
        var host = NewHost(profile, nodes, pagesPerNode, llc);
        return (host, Create(host, maxPages));
    }

    /// <summary>A host and one domain (see <see cref="WithDomain"/>) that has populated one order-9 extent: 512 pages.</summary>
    public static (Host Host, int Domid) WithPopulatedDomain(string profile, long maxPages = 4096)
    {
        var (host, d) = WithDomain(profile, maxPages);
        Ok(host.Populate(Caller.Control, d, 9), "populating 512 pages");
        return (host, d);
    }

    /// <summary>A host and one domain (see <see cref="WithDomain"/>) that has staked a claim of <paramref name="claim"/> pages.</summary>
    public static (Host Host, int Domid) WithClaim(string profile, long claim, long maxPages = 4096, int nodes = 1,
        long pagesPerNode = 4096)
    {
        var (host, d) = WithDomain(profile, maxPages, nodes, pagesPerNode);
        Ok(host.ClaimPages(Caller.Control, d, claim), $"claim of {claim}");
        return (host, d);
    }

    /// <summary>
    /// A one-node host of <paramref name="pages"/> pages and two domains each allowed all of them: rivals for the same
    /// memory, so that what one claims the other cannot have. The first stakes <paramref name="d1Claim"/> pages, if any.
    /// </summary>
    public static (Host Host, int D1, int D2) WithRivals(string profile, long pages, long d1Claim = 0)
    {
        var (host, d1) = WithDomain(profile, pages, pagesPerNode: pages);
        var d2 = Create(host, pages);
        if (d1Claim > 0)
        {
            Ok(host.ClaimPages(Caller.Control, d1, d1Claim), $"d1's claim of {d1Claim}");
        }

        return (host, d1, d2);
    }

    /// <summary>Creates a domain as the toolstack does and returns its domid; fails the test if creation fails.</summary>
    public static int Create(Host host, long maxPages)
    {
        var outcome = host.CreateDomain(Caller.Control, maxPages);
        Assert.True(outcome.IsOk, $"CreateDomain({maxPages}) failed: {outcome}");
        return checked((int)outcome.Value);
    }

    /// <summary>Asserts an operation succeeded.</summary>
    public static Outcome Ok(Outcome outcome, string what = "operation")
    {
        Assert.True(outcome.IsOk, $"{what} failed: {outcome}");
        return outcome;
    }

    public static DomainInfo Info(Host host, int domid) =>
        host.GetDomainInfo(domid) ?? throw new InvalidOperationException($"d{domid} does not resolve");

    public static long Claim(Host host, int domid) => Info(host, domid).OutstandingPages;

    public static long Outstanding(Host host) => host.PhysInfo().OutstandingPages;

    public static long Free(Host host) => host.PhysInfo().FreePages;

    /// <summary>Asserts <paramref name="domid"/> holds a claim of <paramref name="pages"/> and no other domain holds any.</summary>
    public static void AssertSoleClaim(Host host, int domid, long pages)
    {
        Assert.Equal(pages, Claim(host, domid));
        Assert.Equal(pages, Outstanding(host));
    }

    /// <summary>
    /// Everything a snapshot holds, as text: Describe() plus every per-node array and every per-domain field, so that
    /// two renderings are equal exactly when the snapshots are.
    /// </summary>
    public static string Render(HostSnapshot s)
    {
        var text = new StringBuilder();
        text.Append(s.Describe());
        text.Append($" | total={s.TotalPages} nodeFree=[{Join(s.NodeFreePages)}] nodeOutstanding=[{Join(s.NodeOutstandingPages)}]");
        foreach (var d in s.Domains)
        {
            text.Append($" | d{d.Id} {d.State} tot={d.TotPages} extra={d.ExtraPages} dtot={d.DomainTotPages}"
                + $" owned={d.OwnedPages} max={d.MaxPages} claim={d.OutstandingPages}"
                + $" nodeClaims=[{Join(d.NodeOutstandingPages)}] target={d.ClaimTargetPages}"
                + $" tmem={d.TmemEphemeralPages}+{d.TmemPersistentPages} inflight={d.PagesInFlight}");
        }

        return text.ToString();
    }

    private static string Join(IEnumerable<long> values) => string.Join(",", values);

    /// <summary>A list as "a,b,c", for comparing per-node arrays (constant long arrays do not survive the Coyote rewrite).</summary>
    public static string Csv(IEnumerable<long> values) => Join(values);

    /// <summary>Runs a call expected to fail with <paramref name="expected"/> and asserts the host did not change at all.</summary>
    public static void AssertFailsUnchanged(Host host, Errno expected, Func<Host, Outcome> call, string what = "call")
    {
        var before = Render(host.Snapshot());
        var outcome = call(host);
        var after = Render(host.Snapshot());
        Assert.True(outcome.Errno == expected, $"{what}: expected {expected}, got {outcome}");
        Assert.True(before == after, $"{what} failed with {outcome.Errno} but changed the host:\nbefore {before}\nafter  {after}");
    }

    /// <summary>The invariants that hold in every profile after every completed operation.</summary>
    public static void AssertConserved(Host host)
    {
        var s = host.Snapshot();
        Assert.True(s.AccountedPages == s.TotalPages, $"pages lost or invented: accounted {s.AccountedPages} of {s.TotalPages}: {Render(s)}");
        Assert.True(s.OutstandingPages == s.Domains.Sum(d => d.OutstandingPages), $"outstanding != sum of claims: {Render(s)}");
        Assert.True(s.FreePages == s.NodeFreePages.Sum(), $"free != sum of node free: {Render(s)}");
    }
}

/// <summary>
/// Runs a theory once per profile of <paramref name="names"/>, in history order, with the profile's name as its one
/// argument. <see cref="Except"/> leaves some out (names separated by commas), for a rule that all the others share,
/// so that the theory names the exceptions instead of listing the rest.
/// </summary>
public abstract class ProfileNamesAttribute(IReadOnlyList<string> names) : DataAttribute
{
    public string? Except { get; set; }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        var excepted = Except?.Split(',') ?? [];
        Assert.All(excepted, name => Assert.Contains(name, names));
        return names.Where(name => !excepted.Contains(name)).Select(name => new object[] { name });
    }
}

/// <summary>A theory over every profile (see <see cref="ProfileNamesAttribute"/>).</summary>
public sealed class AllProfilesAttribute() : ProfileNamesAttribute(CoreKit.AllNames);

/// <summary>A theory over the profiles that have XENMEM_claim_pages (see <see cref="ProfileNamesAttribute"/>).</summary>
public sealed class ClaimProfilesAttribute() : ProfileNamesAttribute(CoreKit.ClaimNames);
