using ClaimVerified.Specification;
namespace ClaimVerified.Model.Conformance;

/// <summary>
/// Performs an <see cref="Operation"/> on the core: the one place that maps operations to <see cref="Host"/> calls.
/// The queries become outcomes: physinfo gives its free pages, getdomaininfo the domain's outstanding claim (ESRCH when
/// the domain is unknown or destroyed), as <see cref="Spec.Step"/> does.
/// </summary>
public static class OperationRunner
{
    public static Outcome Apply(Host host, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(operation);
        return operation switch
        {
            CreateDomain op => host.CreateDomain(op.Caller, op.MaxPages),
            SetMaxPages op => host.SetMaxPages(op.Caller, op.DomId, op.MaxPages),
            SetNodeAffinity op => host.SetNodeAffinity(op.Caller, op.DomId, op.Nodes),
            Unpause op => host.Unpause(op.Caller, op.DomId),
            ClaimPages op => host.ClaimPages(op.Caller, op.DomId, op.Pages, op.Soft),
            ClaimMemory op => host.ClaimMemory(op.Caller, op.DomId, op.Entries),
            Populate op => host.Populate(op.Caller, op.DomId, op.Order, op.Node, op.Exact, op.Preempted),
            AllocExtraPages op => host.AllocExtraPages(op.Caller, op.DomId, op.Order, op.Node, op.Exact),
            AllocXenHeap op => host.AllocXenHeap(op.Caller, op.Order, op.Node, op.Exact),
            FreeXenHeap op => host.FreeXenHeap(op.Caller, op.Pages),
            DecreaseReservation op => host.DecreaseReservation(op.Caller, op.DomId, op.Order),
            SharePage op => host.SharePage(op.Caller, op.DomId),
            OfflinePage op => host.OfflinePage(op.Caller, op.Node),
            TmemPut op => host.TmemPut(op.Caller, op.DomId, op.Pool),
            TmemFlush op => host.TmemFlush(op.Caller, op.DomId, op.Pool),
            TmemFlushAll op => host.TmemFlushControl(op.Caller, op.Pages),
            DomainKill op => host.DomainKill(op.Caller, op.DomId),
            KillContinuation op => host.DomainKillContinuation(op.Caller, op.DomId),
            DestroyDomain op => host.DestroyDomain(op.Caller, op.DomId),
            Specification.PhysInfo => Outcome.Ok(host.PhysInfo().FreePages),
            GetDomainInfo op => host.GetDomainInfo(op.DomId) is { } info ? Outcome.Ok(info.OutstandingPages) : Errno.ESRCH,
            _ => throw new ArgumentException($"unknown operation {operation.GetType().Name}", nameof(operation)),
        };
    }
}
