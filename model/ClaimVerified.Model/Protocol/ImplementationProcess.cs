using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// An implementation under test, as a child process that speaks the protocol on its stdin and stdout
/// (docs/protocol.md). Requests of different clients may be in flight at once; each response is matched to its
/// request by (client, id), in whatever order it comes. A child that exits, hangs past the timeout or writes a line
/// that is not a response ends the session with an <see cref="ImplementationFailure"/> that names the request.
/// </summary>
public sealed class ImplementationProcess : IDisposable
{
    /// <summary>A limit on everything: stderr kept for the message when the child fails.</summary>
    private const int StderrKeptChars = 4000;

    private readonly Process process;
    private readonly ConcurrentDictionary<(int Client, long Id), Pending> pending = new();
    private readonly StringBuilder stderr = new();
    private readonly object writeLock = new();
    private readonly object stderrLock = new();
    private readonly Task reader;
    private volatile string? broken;

    private ImplementationProcess(Process process, TimeSpan timeout)
    {
        this.process = process;
        Timeout = timeout;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderrLock)
            {
                if (stderr.Length < StderrKeptChars)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        reader = Task.Factory.StartNew(ReadResponses, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public TimeSpan Timeout { get; }

    /// <summary>The command line, for messages.</summary>
    public required string CommandLine { get; init; }

    /// <summary>Starts <paramref name="command"/> with <paramref name="arguments"/>; a command that cannot start is an <see cref="ImplementationFailure"/>.</summary>
    public static ImplementationProcess Start(string command, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var line = string.Join(" ", [command, .. arguments]);
        try
        {
            var process = Process.Start(info) ?? throw new ImplementationFailure($"could not start `{line}`");
            return new ImplementationProcess(process, timeout) { CommandLine = line };
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ImplementationFailure($"could not start `{line}`: {e.Message}");
        }
    }

    /// <summary>Sends one request and waits for its response (at most <see cref="Timeout"/>).</summary>
    public async Task<ProtocolResponse> CallAsync(ProtocolRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var waiting = new Pending(request, new TaskCompletionSource<ProtocolResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!pending.TryAdd((request.Client, request.Id), waiting))
        {
            throw new ArgumentException($"request {request.Client}/{request.Id} is already in flight", nameof(request));
        }

        Fail(broken);
        var line = ProtocolCodec.FormatRequest(request);
        try
        {
            lock (writeLock)
            {
                process.StandardInput.WriteLine(line);
                process.StandardInput.Flush();
            }
        }
        catch (IOException)
        {
            pending.TryRemove((request.Client, request.Id), out _);
            throw Failure($"could not send {line}: the implementation closed its input");
        }

        var done = await Task.WhenAny(waiting.Response.Task, Task.Delay(Timeout)).ConfigureAwait(false);
        if (done != waiting.Response.Task)
        {
            pending.TryRemove((request.Client, request.Id), out _);
            throw Failure($"no response to {line} within {Timeout.TotalSeconds:0.###} s (the implementation hangs)");
        }

        return await waiting.Response.Task.ConfigureAwait(false);
    }

    /// <summary>Sends one request and waits for its response, synchronously.</summary>
    public ProtocolResponse Call(ProtocolRequest request) => CallAsync(request).GetAwaiter().GetResult();

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(2000))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(2000);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Already gone: nothing to stop.
        }

        reader.Wait(TimeSpan.FromSeconds(5));
        process.Dispose();
    }

    private void ReadResponses()
    {
        try
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                ProtocolResponse response;
                try
                {
                    response = ProtocolCodec.ParseResponse(line);
                }
                catch (ProtocolException e)
                {
                    Break($"it wrote a line that is not a response: {e.Message}");
                    return;
                }

                if (!pending.TryRemove((response.Client, response.Id), out var waiting))
                {
                    Break($"it answered request {response.Client}/{response.Id}, which is not in flight: {ProtocolCodec.Excerpt(line)}");
                    return;
                }

                waiting.Response.TrySetResult(response);
            }

            if (process.WaitForExit(2000))
            {
                process.WaitForExit(); // Once it has exited, this one also waits for its stderr to be read to the end.
            }

            Break(process.HasExited ? $"it exited with code {process.ExitCode}" : "it closed its output");
        }
        catch (IOException e)
        {
            Break($"its output broke: {e.Message}");
        }
    }

    private void Break(string why)
    {
        broken ??= why;
        foreach (var key in pending.Keys)
        {
            if (pending.TryRemove(key, out var waiting))
            {
                waiting.Response.TrySetException(Failure($"{why}, with {ProtocolCodec.FormatRequest(waiting.Request)} in flight"));
            }
        }
    }

    private void Fail(string? why)
    {
        if (why is not null)
        {
            throw Failure(why);
        }
    }

    private ImplementationFailure Failure(string what)
    {
        string tail;
        lock (stderrLock)
        {
            tail = stderr.ToString().Trim();
        }

        return new ImplementationFailure($"`{CommandLine}`: {what}" + (tail.Length == 0 ? "" : $"{Environment.NewLine}its stderr: {tail}"));
    }

    private sealed record Pending(ProtocolRequest Request, TaskCompletionSource<ProtocolResponse> Response);
}

/// <summary>The implementation under test broke the protocol (crashed, hung, wrote garbage): the message says how.</summary>
public sealed class ImplementationFailure(string message) : Exception(message);
