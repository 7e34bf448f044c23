// claimverified-weave <folder>: weaves the lockset checks into <folder>/ClaimVerified.dll, in place, once.
using ClaimVerified.Weaver;

if (args.Length != 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: ClaimVerified.Weaver <folder holding ClaimVerified.dll and ClaimVerified.Locks.dll>");
    return 2;
}

try
{
    Console.WriteLine(LocksetWeaver.WeaveFolder(args[0]));
    return 0;
}
catch (WeaveException e)
{
    Console.Error.WriteLine($"lockset weaving failed: {e.Message}");
    return 1;
}
