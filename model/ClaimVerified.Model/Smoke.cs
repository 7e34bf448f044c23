using Microsoft.Coyote.SystematicTesting;
namespace ClaimVerified.Model;
public static class Smoke
{
    [Test]
    public static async Task Trivial()
    {
        var host = new Host(Profiles.Catalogue.Reference, new HostConfig(1, 1024));
        var t1 = Task.Run(() => host.CreateDomain(Caller.Control, 100));
        var t2 = Task.Run(() => host.PhysInfo());
        await Task.WhenAll(new Task[] { t1, t2 });
        Microsoft.Coyote.Specifications.Specification.Assert(host.PhysInfo().FreePages == 1024, "free");
    }
}
