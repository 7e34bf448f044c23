using System.CommandLine;
using ClaimVerified.Cli.Reports;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Cli.Commands;

/// <summary>claimverify replay / explain: a trace folder (or its .trace file) replayed, or rendered for a person.</summary>
public static class TraceCommands
{
    public static Command CreateReplay(TextWriter output, TextWriter error)
    {
        var trace = new Argument<string>("TRACE") { Description = "A trace folder under traces/, or its .trace file" };
        var json = ListCommands.JsonOption();
        var command = new Command("replay", "Replay a counterexample and check that the same property breaks with the same message") { trace, json };
        command.SetAction(parsed =>
        {
            var asJson = parsed.GetValue(json);
            try
            {
                var outcome = TraceFolder.Replay(parsed.GetValue(trace)!);
                if (asJson)
                {
                    CliJson.Write(output, new
                    {
                        reproduced = true,
                        profile = outcome.Meta.Profile,
                        scenario = outcome.Meta.Scenario,
                        property = outcome.Meta.Property,
                        message = outcome.Result.BugMessage,
                        sameCode = outcome.SameCode,
                    });
                }
                else
                {
                    output.WriteLine($"reproduced: {outcome.Result.BugMessage}");
                    if (!outcome.SameCode)
                    {
                        output.WriteLine($"note: recorded on code {outcome.Meta.CodeFingerprint}, this build is {Fingerprint.Current}; it still reproduces.");
                    }
                }

                return ExitCode.AsExpected;
            }
            catch (TraceException e)
            {
                return CliJson.Fail(output, error, asJson, e.Message, e.Remedy);
            }
        });
        return command;
    }

    public static Command CreateExplain(TextWriter output, TextWriter error)
    {
        var trace = new Argument<string>("TRACE") { Description = "A trace folder under traces/, or its .trace file" };
        var format = new Option<string>("--format") { Description = "text, mermaid or html", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "mermaid", "html");
        var json = ListCommands.JsonOption();
        var command = new Command("explain", "Replay a counterexample and render its timeline for a person") { trace, format, json };
        command.SetAction(parsed =>
        {
            var asJson = parsed.GetValue(json);
            try
            {
                var outcome = TraceFolder.Replay(parsed.GetValue(trace)!);
                var rendered = parsed.GetValue(format) switch
                {
                    "mermaid" => TimelineMermaid.Render(outcome.Timeline),
                    "html" => HtmlReport.RenderTimelinePage(outcome.Timeline),
                    _ => TimelineText.Render(outcome.Timeline),
                };
                if (asJson)
                {
                    CliJson.Write(output, new
                    {
                        profile = outcome.Meta.Profile,
                        scenario = outcome.Meta.Scenario,
                        property = outcome.Meta.Property,
                        message = outcome.Result.BugMessage,
                        format = parsed.GetValue(format),
                        rendered,
                    });
                }
                else
                {
                    output.Write(rendered);
                }

                return ExitCode.AsExpected;
            }
            catch (TraceException e)
            {
                return CliJson.Fail(output, error, asJson, e.Message, e.Remedy);
            }
        });
        return command;
    }
}
