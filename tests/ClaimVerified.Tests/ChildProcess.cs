using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ClaimVerified.Tests;

/// <summary>What a child process said and how it ended.</summary>
public sealed record ChildResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Standard output, then standard error.</summary>
    public string Output => Stdout + Stderr;
}

/// <summary>
/// Runs one program to completion, as the tests that drive a tool (git, dotnet, cc-built runners, spin's pan) need:
/// arguments passed as a list (no shell quoting), both streams read at once so that neither pipe can fill and stall
/// the child, a limit on the time (the child and its children are killed past it), and a program missing from PATH
/// reported as such rather than as a bare Win32Exception.
/// </summary>
public static class ChildProcess
{
    /// <param name="environment">Variables to set; a null value removes the variable the test process would pass on.</param>
    /// <param name="stdin">Lines written to the child's standard input (UTF-8, "\n"), which is then closed; null: none.</param>
    public static ChildResult Run(string program, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, IEnumerable<string>? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (stdin is not null)
        {
            start.StandardInputEncoding = new UTF8Encoding(false);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Start(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            Feed(process, stdin);
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish in {timeout.TotalSeconds:F0} s");
        }

        process.WaitForExit(); // The streams' last bytes.
        return new ChildResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{start.FileName} could not be started (is it on PATH?): {e.Message}", e);
        }
    }

    private static void Feed(Process process, IEnumerable<string> lines)
    {
        try
        {
            foreach (var line in lines)
            {
                process.StandardInput.Write(line + "\n");
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It stopped reading: what its exit code and stderr say is the answer.
        }
    }
}
