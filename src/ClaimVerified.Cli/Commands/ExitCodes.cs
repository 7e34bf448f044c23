namespace ClaimVerified.Cli.Commands;

/// <summary>The exit codes CI can rely on.</summary>
public static class ExitCodes
{
    public const int AsExpected = 0;
    public const int Usage = 1;
    public const int UnexpectedViolation = 2;
    public const int ExpectedViolationMissing = 3;
}
