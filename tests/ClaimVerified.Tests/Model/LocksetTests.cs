using System.Reflection;
using ClaimVerified.Locks;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Traces;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// The woven lockset checks: the core these tests run is the model build's copy, into which the guard table was woven;
/// a field touched without its lock fails at once, naming the method, the field and the lock; the production build
/// carries nothing of it.
/// </summary>
[Collection(MeteredCollection.Name)]
public sealed class LocksetTests
{
    private static Host NewHost() => new(Catalogue.Xen422, new HostConfig(2, 16));

    private static object? CallPrivate(Host host, string method, params object[] arguments) =>
        typeof(Host).GetMethod(method, BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(host, arguments);

    [Fact]
    public void The_core_under_test_is_woven_and_the_production_build_is_not()
    {
        Assert.Contains(typeof(Host).Assembly.GetCustomAttributesData(), a => a.AttributeType == typeof(LocksetWovenAttribute));

        var production = Path.Combine(Repository.Root, "src/ClaimVerified/bin/Debug/net10.0/ClaimVerified.dll");
        using var assembly = AssemblyDefinition.ReadAssembly(production);
        Assert.DoesNotContain(assembly.CustomAttributes, a => a.AttributeType.Name == nameof(LocksetWovenAttribute));
        Assert.DoesNotContain(assembly.MainModule.AssemblyReferences, r => r.Name == "ClaimVerified.Locks");
    }

    [Fact]
    public void The_meter_counts_the_checks_only_while_a_measurement_runs()
    {
        long during;
        using (LocksetMeter.Start())
        {
            NewHost().PhysInfo();
            during = LocksetMeter.Checks;
        }

        NewHost().PhysInfo();
        Assert.True(during > 0, "physinfo takes heap_lock and reads guarded fields, but the meter saw no check");
        Assert.Equal(during, LocksetMeter.Checks);
    }

    [Fact]
    public void A_field_touched_without_its_lock_fails_naming_the_method_the_field_and_the_lock()
    {
        var host = NewHost();

        var error = Assert.Throws<TargetInvocationException>(() => CallPrivate(host, "TakeFreePagesLocked", 0, 1L));

        var message = Assert.IsType<LockDisciplineException>(error.InnerException).Message;
        Assert.Contains("Host.TakeFreePagesLocked", message, StringComparison.Ordinal);
        Assert.Contains("Host.nodeAvailPages without heap_lock", message, StringComparison.Ordinal);
        Assert.Equal(32, host.PhysInfo().FreePages); // Refused before anything was written.
    }

    [Fact]
    public void The_same_call_holding_the_lock_passes()
    {
        var host = NewHost();
        var heapLock = typeof(Host).GetField("heapLock", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(host)!;
        var taken = false;
        LockSet.Enter(heapLock, ref taken);
        try
        {
            CallPrivate(host, "TakeFreePagesLocked", 0, 1L);
        }
        finally
        {
            LockSet.Exit(heapLock);
        }

        Assert.Equal(31, host.PhysInfo().FreePages);
    }

    [Fact]
    public void A_domain_field_needs_that_domains_page_alloc_lock_not_another_ones()
    {
        var host = NewHost();
        var d1 = host.CreateDomain(Caller.Control, 8).Value;
        var d2 = host.CreateDomain(Caller.Control, 8).Value;
        Assert.True(host.Populate(Caller.Control, (int)d2, 0).IsOk);
        var domain = (Domain)CallPrivate(host, "FindDomain", (int)d2)!;
        var other = (Domain)CallPrivate(host, "FindDomain", (int)d1)!;

        var taken = false;
        LockSet.Enter(other.PageAllocLock, ref taken);
        try
        {
            var error = Assert.Throws<TargetInvocationException>(() => CallPrivate(host, "TakeFromDomainNodes", domain, 1L));
            Assert.Contains("without page_alloc_lock of the domain it belongs to",
                Assert.IsType<LockDisciplineException>(error.InnerException).Message, StringComparison.Ordinal);
        }
        finally
        {
            LockSet.Exit(other.PageAllocLock);
        }
    }

    [Fact]
    public void Locks_taken_against_Xens_order_fail_before_waiting()
    {
        var host = NewHost();
        var d = (int)host.CreateDomain(Caller.Control, 8).Value;
        var domain = (Domain)CallPrivate(host, "FindDomain", d)!;
        var heapLock = typeof(Host).GetField("heapLock", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(host)!;
        var taken = false;
        LockSet.Enter(heapLock, ref taken);
        try
        {
            var inner = false;
            var error = Assert.Throws<LockDisciplineException>(() => LockSet.Enter(domain.PageAllocLock, ref inner));
            Assert.False(inner);
            Assert.Contains("lock order: page_alloc_lock taken while holding heap_lock", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            LockSet.Exit(heapLock);
        }

        // The right order passes, and so does the audit, which takes every domain's page_alloc_lock in turn.
        Assert.Equal(8, host.Snapshot().Domains.Single().MaxPages);
    }

    [Fact]
    public void Every_mutable_field_of_the_host_and_a_domain_is_in_the_guard_table()
    {
        var declared = GuardTable.Guards.Select(g => g.Field).Concat(GuardTable.Locks.Select(l => l.Field))
            .Concat(GuardTable.GhostFields).ToHashSet();
        var mutable = new[] { typeof(Host), typeof(Domain) }
            .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
                .Where(f => !f.IsInitOnly || f.FieldType.IsArray)
                .Select(f => $"{t.Name}.{f.Name}"))
            .ToArray();

        Assert.NotEmpty(mutable);
        Assert.All(mutable, field => Assert.Contains(field, declared));
        Assert.All(GuardTable.Guards, g => Assert.False(string.IsNullOrWhiteSpace(g.Source), g.Field));
        Assert.All(GuardTable.Guards.Where(g => g.Kind != GuardKind.Atomic),
            g => Assert.Contains(g.Lock, new[] { GuardTable.HeapLock, GuardTable.PageAllocLock, GuardTable.DomctlLock }));
    }

    [Fact]
    public void Getdomaininfo_reads_without_locks_as_Xen_does()
    {
        var host = NewHost();
        var d = (int)host.CreateDomain(Caller.Control, 8).Value;

        Assert.Equal(8, host.GetDomainInfo(d)!.MaxPages);
    }

    /// <summary>What the first section of <see cref="TwoSections"/> does with the field heap_lock guards.</summary>
    private enum FirstSection
    {
        TouchesNothing,
        Reads,
        Writes,
        ReadsDomainState,
    }

    /// <summary>
    /// A call of a method (a frame, as the weaver makes for every core method with lock statements) that touches
    /// (<paramref name="first"/>) what heap_lock guards under it at its lock statement <paramref name="firstSite"/>,
    /// drops it, takes it again at <paramref name="secondSite"/>, then has TakeFreePagesLocked (which reads and writes
    /// the free counters) run there.
    /// </summary>
    private static void TwoSections(Host host, string method, int secondSite, FirstSection first = FirstSection.Reads, int firstSite = 1)
    {
        var heapLock = typeof(Host).GetField("heapLock", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(host)!;
        LockSet.BeginFrame(method);
        try
        {
            var taken = false;
            LockSet.EnterSection(heapLock, ref taken, firstSite);
            try
            {
                // The check's own record of an access (the field is not changed): what the woven core calls first.
                if (first is FirstSection.Reads or FirstSection.Writes)
                {
                    LockSet.Access(host, "Host.totalAvailPages", method, write: first == FirstSection.Writes);
                }
                else if (first == FirstSection.ReadsDomainState)
                {
                    LockSet.Access(host, "Domain.state", method, write: false); // is_dying, read without domctl_lock
                }
            }
            finally
            {
                LockSet.Exit(heapLock);
            }

            var second = false;
            LockSet.EnterSection(heapLock, ref second, secondSite);
            try
            {
                CallPrivate(host, "TakeFreePagesLocked", 0, 1L);
            }
            finally
            {
                LockSet.Exit(heapLock);
            }
        }
        finally
        {
            LockSet.EndFrame();
        }
    }

    [Fact]
    public void A_write_in_a_second_section_after_a_read_in_the_first_fails_as_a_stale_value_naming_the_lock()
    {
        var host = NewHost();

        var error = Assert.Throws<TargetInvocationException>(() => TwoSections(host, "Host.CheckThenStake", secondSite: 2));

        var message = Assert.IsType<LockDisciplineException>(error.InnerException).Message;
        const string expected = "stale value: Host.TakeFreePagesLocked writes Host.totalAvailPages in a second heap_lock section "
            + "of Host.CheckThenStake (lock statement 2), after its section at lock statement 1 read Host.totalAvailPages";
        Assert.True(message.Contains(expected, StringComparison.Ordinal), message);
        Assert.Equal(32, host.PhysInfo().FreePages); // Refused before anything was written.
    }

    [Fact]
    public void Any_access_in_a_second_section_after_a_write_in_the_first_fails_as_a_torn_update_naming_the_lock()
    {
        var host = NewHost();

        var error = Assert.Throws<TargetInvocationException>(
            () => TwoSections(host, "Host.TakeThenCount", secondSite: 2, FirstSection.Writes));

        var message = Assert.IsType<LockDisciplineException>(error.InnerException).Message;
        const string expected = "torn update: Host.TakeFreePagesLocked reads Host.nodeAvailPages in a second heap_lock section "
            + "of Host.TakeThenCount (lock statement 2), after its section at lock statement 1 wrote Host.totalAvailPages and "
            + "dropped heap_lock: while the lock was free other threads saw the update half made";
        Assert.True(message.Contains(expected, StringComparison.Ordinal), message);
        Assert.Equal(32, host.PhysInfo().FreePages); // Refused at the first read, before anything was written.
    }

    [Fact]
    public void A_write_in_a_second_section_after_the_first_read_is_dying_without_its_lock_fails_as_a_stale_value()
    {
        var host = NewHost();

        var error = Assert.Throws<TargetInvocationException>(
            () => TwoSections(host, "Host.CheckDyingThenTake", secondSite: 2, FirstSection.ReadsDomainState));

        var message = Assert.IsType<LockDisciplineException>(error.InnerException).Message;
        Assert.StartsWith("stale value: Host.TakeFreePagesLocked writes Host.totalAvailPages in a second heap_lock section of "
            + "Host.CheckDyingThenTake (lock statement 2), after its section at lock statement 1 read Domain.state", message,
            StringComparison.Ordinal);
        Assert.Equal(32, host.PhysInfo().FreePages);
    }

    [Fact]
    public void A_declared_retake_covers_its_own_two_lock_statements_and_no_other_pair()
    {
        var retake = GuardTable.Retakes.Single(r => r.Lock == GuardTable.HeapLock);
        var host = NewHost();

        var other = Assert.Throws<TargetInvocationException>(() => TwoSections(host, retake.Method, secondSite: retake.SecondSite + 1,
            FirstSection.Writes, retake.FirstSite));
        var reversed = Assert.Throws<TargetInvocationException>(() => TwoSections(host, retake.Method, secondSite: retake.FirstSite,
            FirstSection.Writes, retake.SecondSite));

        Assert.StartsWith("torn update:", other.InnerException!.Message, StringComparison.Ordinal);
        Assert.StartsWith("torn update:", reversed.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(32, host.PhysInfo().FreePages);
    }

    [Fact]
    public void The_same_lock_statement_again_a_first_section_that_touched_nothing_or_a_declared_retake_passes()
    {
        var host = NewHost();
        var retake = GuardTable.Retakes.Single(r => r.Lock == GuardTable.HeapLock);

        TwoSections(host, "Host.CheckThenStake", secondSite: 1); // a loop: each pass is a section of its own
        TwoSections(host, "Host.CheckThenStake", secondSite: 1, FirstSection.Writes);
        TwoSections(host, "Host.CheckThenStake", secondSite: 2, FirstSection.TouchesNothing);
        TwoSections(host, retake.Method, retake.SecondSite, FirstSection.Reads, retake.FirstSite);
        TwoSections(host, retake.Method, retake.SecondSite, FirstSection.Writes, retake.FirstSite);

        Assert.Equal(27, host.PhysInfo().FreePages);
    }

    [Fact]
    public void Every_declared_retake_is_a_core_method_with_two_lock_statements()
    {
        var production = Path.Combine(Repository.Root, "src/ClaimVerified/bin/Debug/net10.0/ClaimVerified.dll");
        using var assembly = AssemblyDefinition.ReadAssembly(production);
        var methods = assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody)
            .ToLookup(m => $"{m.DeclaringType.Name}.{m.Name}");

        Assert.NotEmpty(GuardTable.Retakes);
        Assert.All(GuardTable.Retakes, retake =>
        {
            var method = Assert.Single(methods[retake.Method]);
            var locks = LockStatements(method);
            Assert.True(retake.FirstSite < retake.SecondSite && retake.SecondSite <= locks.Count,
                $"{retake.Method} is declared to re-take {retake.Lock} at lock statements {retake.FirstSite} and {retake.SecondSite}, "
                + $"but has {locks.Count}");
            Assert.Equal(retake.Lock, locks[retake.FirstSite - 1]);
            Assert.Equal(retake.Lock, locks[retake.SecondSite - 1]);
            Assert.False(string.IsNullOrWhiteSpace(retake.Source));
        });
    }

    /// <summary>
    /// The lock each Monitor.Enter of a compiled method takes, in order (the weaver's site numbers, from 1): the lock
    /// field loaded last before it, as a C# lock statement evaluates its object just before entering.
    /// </summary>
    private static List<string?> LockStatements(MethodDefinition method)
    {
        var lockNames = GuardTable.Locks.ToDictionary(l => l.Field.Split('.')[1], l => l.Name);
        var locks = new List<string?>();
        string? loaded = null;
        foreach (var instruction in method.Body.Instructions)
        {
            if (instruction.OpCode == OpCodes.Ldfld && instruction.Operand is FieldReference field && lockNames.TryGetValue(field.Name, out var name))
            {
                loaded = name;
            }
            else if (instruction.Operand is MethodReference { Name: "Enter", DeclaringType.FullName: "System.Threading.Monitor" })
            {
                locks.Add(loaded);
            }
        }

        return locks;
    }
}
