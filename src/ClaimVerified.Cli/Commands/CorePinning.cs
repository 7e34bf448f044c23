using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// explore --cpu K: this process and every thread it has or will have run on CPU K only (Linux). explore --jobs N
/// gives each child its own CPU where there are at least N of them. Why: Coyote hands control from one operation's
/// thread to the next at every scheduling point (a wake and a wait), and with the threads free to move, each hand-off
/// of two shards sharing two cores tends to cross cores. Measured December 5 on this 2-core machine, the main job's two
/// shards took 187 s unpinned and 128 s pinned, with a third less system time; one shard alone, pinned, takes as long
/// as unpinned on less CPU.
/// </summary>
public static class CorePinning
{
    /// <summary>A limit on everything: the highest CPU number a mask here can name (the kernel's default cpu_set_t).</summary>
    public const int MaxCpu = 1023;

    /// <summary>A limit on everything: passes over the thread list before a thread that keeps appearing is an error.</summary>
    private const int MaxPasses = 16;

    /// <summary>Whether this platform can pin (Linux: sched_setaffinity per thread).</summary>
    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>The CPUs this process may run on, in order (at most the first 64); none where pinning is not supported.</summary>
    public static IReadOnlyList<int> Allowed()
    {
        if (!Supported)
        {
            return [];
        }

        using var self = Process.GetCurrentProcess();
        var mask = (ulong)(long)self.ProcessorAffinity;
        return [.. Enumerable.Range(0, 64).Where(cpu => (mask >> cpu & 1) == 1)];
    }

    /// <summary>
    /// Pins every thread of this process to <paramref name="cpu"/>. A thread inherits its creator's mask, so once every
    /// thread listed is pinned, every later one is; a thread started while the list is read is caught by the next pass.
    /// A CPU this process may not use, or a platform that cannot pin, is a <see cref="UsageException"/>; nothing is
    /// changed then.
    /// </summary>
    public static void PinSelf(int cpu)
    {
        if (!Supported)
        {
            throw new UsageException("--cpu pins a process to one CPU on Linux only", "leave --cpu out");
        }

        if (cpu is < 0 or > MaxCpu || !Allowed().Contains(cpu))
        {
            throw new UsageException($"--cpu {cpu}: this process may not run on CPU {cpu} (it may use {string.Join(",", Allowed())})",
                "give one of those CPUs, or leave --cpu out");
        }

        var mask = new ulong[(MaxCpu + 1) / 64];
        mask[cpu / 64] = 1UL << (cpu % 64);
        var pinned = new HashSet<int>();
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var threads = Threads().Where(pinned.Add).ToArray();
            if (threads.Length == 0)
            {
                AssertPinned(cpu);
                return;
            }

            foreach (var thread in threads)
            {
                // A thread that ended since the list was read (ESRCH) needs no pinning.
                if (NativeMethods.SchedSetAffinity(thread, mask.Length * sizeof(ulong), mask) != 0 && Marshal.GetLastPInvokeError() != Esrch)
                {
                    throw new UsageException($"--cpu {cpu}: the kernel refused to pin thread {thread} (errno {Marshal.GetLastPInvokeError()})",
                        "leave --cpu out");
                }
            }
        }

        throw new UsageException($"--cpu {cpu}: threads kept starting while this process pinned them ({MaxPasses} passes)", "leave --cpu out");
    }

    private const int Esrch = 3;

    /// <summary>What the kernel says of every thread now: each may run on <paramref name="cpu"/> alone.</summary>
    private static void AssertPinned(int cpu)
    {
        var expected = cpu.ToString(CultureInfo.InvariantCulture);
        foreach (var thread in Threads())
        {
            string[] status;
            try
            {
                status = File.ReadAllLines($"/proc/self/task/{thread}/status");
            }
            catch (IOException)
            {
                continue; // It ended since the list was read.
            }

            var allowed = status.FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?["Cpus_allowed_list:".Length..].Trim();
            if (allowed is not null && allowed != expected)
            {
                throw new InvalidOperationException($"thread {thread} may still run on CPUs {allowed} after pinning to {cpu}");
            }
        }
    }

    private static IEnumerable<int> Threads() =>
        Directory.EnumerateDirectories("/proc/self/task")
            .Select(path => int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
            .Where(id => id > 0);

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int SchedSetAffinity(int threadId, nint maskBytes, ulong[] mask);
    }
}
