namespace ClaimVerified.Benchmarks;

/// <summary>
/// A fixed set of threads that run one body together: the caller is thread 0, the others are started once and wait on
/// a barrier, so that a 2-thread benchmark measures contention and not thread start-up.
/// </summary>
public sealed class Gang : IDisposable
{
    private readonly Barrier barrier;
    private readonly Thread[] workers;
    private Action<int, int>? body;
    private int opsPerThread;
    private volatile bool stopping;

    public Gang(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        barrier = new Barrier(threads);
        workers = Enumerable.Range(1, threads - 1).Select(index => new Thread(() => Work(index)) { IsBackground = true }).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/>(thread, ops) on every thread, <paramref name="totalOps"/> split evenly; returns the ops run.</summary>
    public long Run(int totalOps, Action<int, int> work)
    {
        body = work;
        opsPerThread = totalOps / Threads;
        if (Threads == 1)
        {
            work(0, opsPerThread);
            return opsPerThread;
        }

        barrier.SignalAndWait(); // start
        work(0, opsPerThread);
        barrier.SignalAndWait(); // everyone done
        return (long)opsPerThread * Threads;
    }

    private void Work(int index)
    {
        while (true)
        {
            barrier.SignalAndWait();
            if (stopping)
            {
                return;
            }

            body!(index, opsPerThread);
            barrier.SignalAndWait();
        }
    }

    public void Dispose()
    {
        if (Threads > 1)
        {
            stopping = true;
            barrier.SignalAndWait();
            foreach (var worker in workers)
            {
                worker.Join();
            }
        }

        barrier.Dispose();
    }
}
