namespace ClaimVerified.Model.Manifest;

/// <summary>How one result stands against what a manifest expects of it.</summary>
public enum Judgement
{
    /// <summary>What the manifest says: a cell that holds, or the violation it names.</summary>
    AsExpected,

    /// <summary>The manifest says nothing about this cell: the result is reported, and judged by nobody.</summary>
    NoExpectation,

    /// <summary>A violation (or a non-linearizable history, or a different state count) where the manifest says otherwise.</summary>
    UnexpectedViolation,

    /// <summary>The manifest expects a violation that was not found within the budget.</summary>
    ExpectedViolationMissing,
}

/// <summary>A judgement and, unless the result is as expected, what differs, in words.</summary>
public sealed record Judged(Judgement Judgement, string? Deviation)
{
    public static Judged AsExpected { get; } = new(Judgement.AsExpected, null);

    public static Judged NoExpectation { get; } = new(Judgement.NoExpectation, null);

    /// <summary>Whether nothing contradicts the manifest (as expected, or nothing expected).</summary>
    public bool Agrees => Judgement is Judgement.AsExpected or Judgement.NoExpectation;

    /// <summary>A disagreement: an unexpected violation when one was found, else a missing one.</summary>
    public static Judged Differs(bool violationFound, string deviation) =>
        new(violationFound ? Judgement.UnexpectedViolation : Judgement.ExpectedViolationMissing, deviation);
}

/// <summary>
/// The exit codes every command and CI rely on: 0 when every result agrees with its manifest, 1 for a usage or input
/// error, 2 when something violates what the manifest says holds, 3 when an expected violation was not found.
/// </summary>
public static class ExitCode
{
    public const int AsExpected = 0;
    public const int Usage = 1;
    public const int UnexpectedViolation = 2;
    public const int ExpectedViolationMissing = 3;

    /// <summary>The exit code of a run whose results were judged so: an unexpected violation outranks a missing one.</summary>
    public static int Of(IEnumerable<Judgement> judgements)
    {
        var all = judgements.ToArray();
        return all.Contains(Judgement.UnexpectedViolation) ? UnexpectedViolation
            : all.Contains(Judgement.ExpectedViolationMissing) ? ExpectedViolationMissing
            : AsExpected;
    }
}
