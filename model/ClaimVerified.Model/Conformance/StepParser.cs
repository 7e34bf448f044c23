using System.Collections.Immutable;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Conformance;

/// <summary>
/// Parses the operation of one script line after its keyword: one method per keyword, sharing the readers of a
/// domain, the options (<c>key=value</c>), the caller (<c>as=</c>), an order and a node. The operation is built once
/// domain names are resolved to domids (<see cref="ScriptStep.Build"/>).
/// </summary>
internal sealed class StepParser(int line, string source, string keyword, Cursor c, ScriptExpectation? expect, HashSet<string> names)
{
    private const string DomainExpected = "a domain (a name from an earlier create, or dom<domid>)";

    public ScriptStep Parse() => keyword switch
    {
        "create" => Create(),
        "claim" => Claim(),
        "claimset" => ClaimSet(),
        "populate" or "extra" => Allocate(),
        "decrease" => Decrease(),
        "share" or "kill" or "kill-step" or "destroy" or "unpause" => OnDomain(),
        "offline" => Offline(),
        "tmem-put" or "tmem-flush" => Tmem(),
        "tmem-flush-all" => TmemFlushAll(),
        "maxmem" => MaxMem(),
        "node-affinity" => NodeAffinity(),
        "xen-alloc" => XenAlloc(),
        "xen-free" => XenFree(),
        "physinfo" => PhysInfo(),
        _ => DomainInfo(),
    };

    private ScriptStep Create()
    {
        var name = c.Next("a name for the new domain");
        if (!ScriptParser.IsName(name.Text))
        {
            throw Error(name.Column, $"'{name.Text}' is not a domain name", "a name of letters, digits, '-' and '_' starting with a letter");
        }

        if (!names.Add(name.Text))
        {
            throw Error(name.Column, $"domain '{name.Text}' is already named", "a new name");
        }

        var options = Options("max", "as");
        if (!options.TryGetValue("max", out var max))
        {
            throw Error(c.EndColumn, "missing max", "max=<pages>");
        }

        var maxPages = MaxPages(max.Value, max.Column);
        var who = Caller(options, CallerRef.Control);
        return Step(null, ids => new CreateDomain(Resolve(who, ids), maxPages), name.Text);
    }

    private ScriptStep Claim()
    {
        var d = Dom();
        var pagesToken = c.Next("the claim's pages (an absolute target; 0 releases)");
        var pages = Number(pagesToken.Text, pagesToken.Column, long.MinValue, long.MaxValue);
        var soft = false;
        if (c.More && c.Peek.Text == "soft")
        {
            c.Next("soft");
            soft = true;
        }

        var who = Caller(Options("as"), CallerRef.Control);
        return Step(d, ids => new ClaimPages(Resolve(who, ids), ids(d), pages, soft));
    }

    private ScriptStep ClaimSet()
    {
        var d = Dom();
        var entries = new List<ClaimEntry>();
        while (c.More && !c.Peek.Text.StartsWith("as=", StringComparison.Ordinal))
        {
            entries.Add(ClaimEntryOf(c.Next("an entry <pages>@node<n>, <pages>@global or <pages>@legacy")));
        }

        var who = Caller(Options("as"), CallerRef.Control);
        var set = entries.ToImmutableArray();
        return Step(d, ids => new ClaimMemory(Resolve(who, ids), ids(d), set));
    }

    private ClaimEntry ClaimEntryOf(Token token)
    {
        var at = token.Text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            throw Error(token.Column, $"'{token.Text}' is not a claim entry", "<pages>@node<n>, <pages>@global or <pages>@legacy");
        }

        var pages = Number(token.Text[..at], token.Column, long.MinValue, long.MaxValue);
        var target = token.Text[(at + 1)..];
        var targetColumn = token.Column + at + 1;
        // A node id is never negative: the negative targets stand for GLOBAL and LEGACY, which have their own names.
        var node = target == "global" ? ClaimEntry.Global
            : target == "legacy" ? ClaimEntry.Legacy
            : target.StartsWith("node", StringComparison.Ordinal) ? (int)Number(target[4..], targetColumn + 4, 0, int.MaxValue)
            : throw Error(targetColumn, $"unknown target '{target}'", "node<n>, global or legacy");
        return new ClaimEntry(pages, node);
    }

    private ScriptStep Allocate()
    {
        var d = Dom();
        var options = keyword == "populate" ? Options("order", "node", ExactFlag, PreemptedFlag, "as") : Options("order", "node", ExactFlag, "as");
        var order = Order(options);
        var (node, exact) = NodeOption(options);
        var preempted = options.ContainsKey(PreemptedFlag);
        var who = Caller(options, CallerRef.Control);
        return keyword == "populate"
            ? Step(d, ids => new Populate(Resolve(who, ids), ids(d), order, node, exact, preempted))
            : Step(d, ids => new AllocExtraPages(Resolve(who, ids), ids(d), order, node, exact));
    }

    private ScriptStep Decrease()
    {
        var d = Dom();
        var options = Options("order", "as");
        var order = Order(options);
        var who = Caller(options, CallerRef.Control);
        return Step(d, ids => new DecreaseReservation(Resolve(who, ids), ids(d), order));
    }

    private ScriptStep OnDomain()
    {
        var d = Dom();
        var who = Caller(Options("as"), CallerRef.Control);
        return keyword switch
        {
            "share" => Step(d, ids => new SharePage(Resolve(who, ids), ids(d))),
            "kill" => Step(d, ids => new DomainKill(Resolve(who, ids), ids(d))),
            "kill-step" => Step(d, ids => new KillContinuation(Resolve(who, ids), ids(d))),
            "unpause" => Step(d, ids => new Unpause(Resolve(who, ids), ids(d))),
            _ => Step(d, ids => new DestroyDomain(Resolve(who, ids), ids(d))),
        };
    }

    private ScriptStep Offline()
    {
        var options = Options("node", "as");
        if (!options.TryGetValue("node", out var node))
        {
            throw Error(c.EndColumn, "missing node", "node=<n>");
        }

        var n = (int)Number(node.Value, node.Column, int.MinValue, int.MaxValue);
        var who = Caller(options, CallerRef.Xen);
        return Step(null, ids => new OfflinePage(Resolve(who, ids), n));
    }

    private ScriptStep Tmem()
    {
        var d = Dom();
        var poolToken = c.Next("ephemeral or persistent");
        var pool = poolToken.Text switch
        {
            "ephemeral" => TmemPool.Ephemeral,
            "persistent" => TmemPool.Persistent,
            _ => throw Error(poolToken.Column, $"unknown pool '{poolToken.Text}'", "ephemeral or persistent"),
        };
        var who = Caller(Options("as"), CallerRef.Control);
        return keyword == "tmem-put"
            ? Step(d, ids => new TmemPut(Resolve(who, ids), ids(d), pool))
            : Step(d, ids => new TmemFlush(Resolve(who, ids), ids(d), pool));
    }

    private ScriptStep MaxMem()
    {
        var d = Dom();
        var pagesToken = c.Next("the new max_pages (a number, or unlimited)");
        var pages = MaxPages(pagesToken.Text, pagesToken.Column);
        var who = Caller(Options("as"), CallerRef.Control);
        return Step(d, ids => new SetMaxPages(Resolve(who, ids), ids(d), pages));
    }

    /// <summary><c>node-affinity D 0,1</c>: the nodes (0..63) a domain's allocations prefer; <c>all</c> resets, <c>none</c> is empty.</summary>
    private ScriptStep NodeAffinity()
    {
        var d = Dom();
        var token = c.Next("the nodes (0,1,...), all or none");
        var nodes = token.Text switch
        {
            "all" => ulong.MaxValue,
            "none" => 0UL,
            _ => Nodes(token.Text, token.Column),
        };
        var who = Caller(Options("as"), CallerRef.Control);
        return Step(d, ids => new SetNodeAffinity(Resolve(who, ids), ids(d), nodes));
    }

    /// <summary>A comma-separated list of nodes 0..63 as a mask; a bad one is reported at its own column.</summary>
    private ulong Nodes(string text, int column)
    {
        var mask = 0UL;
        var at = column;
        foreach (var part in text.Split(','))
        {
            mask |= 1UL << (int)Number(part, at, 0, 63);
            at += part.Length + 1;
        }

        return mask;
    }

    private ScriptStep XenAlloc()
    {
        var options = Options("order", "node", ExactFlag, "as");
        var order = Order(options);
        var (node, exact) = NodeOption(options);
        var who = Caller(options, CallerRef.Xen);
        return Step(null, ids => new AllocXenHeap(Resolve(who, ids), order, node, exact));
    }

    private ScriptStep XenFree()
    {
        var pagesToken = c.Next("the pages to free");
        var pages = Number(pagesToken.Text, pagesToken.Column, long.MinValue, long.MaxValue);
        var who = Caller(Options("as"), CallerRef.Xen);
        return Step(null, ids => new FreeXenHeap(Resolve(who, ids), pages));
    }

    private ScriptStep TmemFlushAll()
    {
        var pagesToken = c.Next("the pages to flush");
        var pages = Number(pagesToken.Text, pagesToken.Column, long.MinValue, long.MaxValue);
        var who = Caller(Options("as"), CallerRef.Control);
        return Step(null, ids => new Specification.TmemFlushAll(Resolve(who, ids), pages));
    }

    private ScriptStep PhysInfo()
    {
        c.End();
        return Step(null, _ => new Specification.PhysInfo());
    }

    private ScriptStep DomainInfo()
    {
        var d = Dom();
        c.End();
        return Step(d, ids => new GetDomainInfo(ids(d)));
    }

    private DomainRef Dom()
    {
        var token = c.Next(DomainExpected);
        if (ScriptParser.IsRawDomid(token.Text))
        {
            return new DomainRef(null, (int)Number(token.Text[3..], token.Column + 3, 1, int.MaxValue), token.Column);
        }

        if (!ScriptParser.IsName(token.Text))
        {
            throw Error(token.Column, $"'{token.Text}' is not a domain name", "a domain name (letters, digits, '-', '_') or dom<domid>");
        }

        if (!names.Contains(token.Text))
        {
            throw Error(token.Column, $"domain '{token.Text}' is used before it exists", "a domain named by an earlier create line");
        }

        return new DomainRef(token.Text, null, token.Column);
    }

    /// <summary>Options (key=value) may follow the positional arguments; each at most once, and only those allowed.</summary>
    private Dictionary<string, (string Value, int Column)> Options(params string[] allowed)
    {
        var expected = $"one of: {string.Join(", ", allowed.Select(a => a is ExactFlag or PreemptedFlag ? a : a + "="))}";
        var found = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
        while (c.More)
        {
            var token = c.Peek;
            if (token.Text is ExactFlag or PreemptedFlag && allowed.Contains(token.Text))
            {
                c.Next(token.Text);
                if (!found.TryAdd(token.Text, ("", token.Column)))
                {
                    throw Error(token.Column, $"option '{token.Text}' given twice", "each option once");
                }

                continue;
            }

            var (key, value, column) = c.KeyValue(expected);
            if (!allowed.Contains(key))
            {
                throw Error(token.Column, $"unknown option '{key}'", expected);
            }

            if (!found.TryAdd(key, (value, column)))
            {
                throw Error(token.Column, $"option '{key}' given twice", "each option once");
            }
        }

        return found;
    }

    private CallerRef Caller(Dictionary<string, (string Value, int Column)> options, CallerRef fallback)
    {
        if (!options.TryGetValue("as", out var who))
        {
            return fallback;
        }

        return who.Value switch
        {
            "dom0" => CallerRef.Control,
            "xen" => CallerRef.Xen,
            _ when ScriptParser.IsRawDomid(who.Value) => new CallerRef(CallerKind.Guest,
                new DomainRef(null, (int)Number(who.Value[3..], who.Column + 3, 1, int.MaxValue), who.Column)),
            _ when ScriptParser.IsName(who.Value) && names.Contains(who.Value) => new CallerRef(CallerKind.Guest, new DomainRef(who.Value, null, who.Column)),
            _ => throw Error(who.Column, $"unknown caller '{who.Value}'", "dom0, xen, or a domain created earlier"),
        };
    }

    private int Order(Dictionary<string, (string Value, int Column)> options)
    {
        if (!options.TryGetValue("order", out var order))
        {
            throw Error(c.EndColumn, "missing order", "order=<0|9|18>");
        }

        return (int)Number(order.Value, order.Column, int.MinValue, int.MaxValue);
    }

    /// <summary>A bare word after <c>node=K</c>: only node K will do (XENMEMF_exact_node_request).</summary>
    private const string ExactFlag = "exact";

    /// <summary>A bare word of populate: 4.22's scrub during the build is preempted once (the extent waits in the stash).</summary>
    private const string PreemptedFlag = "preempted";

    private (int Node, bool Exact) NodeOption(Dictionary<string, (string Value, int Column)> options)
    {
        var exact = options.TryGetValue(ExactFlag, out var flag);
        if (!options.TryGetValue("node", out var node))
        {
            return exact ? throw Error(flag.Column, "'exact' without a node", "node=<k> exact") : (Operation.AnyNode, false);
        }

        return ((int)Number(node.Value, node.Column, int.MinValue, int.MaxValue), exact);
    }

    private static Caller Resolve(CallerRef who, Func<DomainRef, int> ids) => who.Kind switch
    {
        CallerKind.Xen => ClaimVerified.Caller.Xen,
        CallerKind.Control => ClaimVerified.Caller.Control,
        _ => ClaimVerified.Caller.Guest(ids(who.Guest!)),
    };

    private ScriptStep Step(DomainRef? domain, Func<Func<DomainRef, int>, Operation> build, string? binds = null) =>
        new(line, source, keyword, domain, binds, expect, build);

    /// <summary>
    /// A max_pages: a number, or <c>unlimited</c>, which asks for what <c>xc_domain_setmaxmem(-1)</c> asks for, as
    /// Xen's own claim test does (<see cref="Domain.UnlimitedRequestPages"/>).
    /// </summary>
    private long MaxPages(string text, int column) =>
        text == "unlimited" ? Domain.UnlimitedRequestPages : Number(text, column, long.MinValue, long.MaxValue);

    private long Number(string text, int column, long min, long max) => ScriptParser.Number(line, text, column, min, max);

    private ScriptSyntaxException Error(int column, string message, string expected) => ScriptParser.Error(line, column, message, expected);
}
