using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// A property of the whole host that can be judged from one consistent <see cref="HostSnapshot"/>: what an observer
/// holding every lock could see between two critical sections. Each property opens with its statement in plain words.
/// </summary>
public interface ISnapshotProperty
{
    string Id { get; }

    /// <summary>The property in plain words, for humans and for reports.</summary>
    string Statement { get; }

    /// <summary>Null when the snapshot satisfies the property, else what is wrong, with the numbers.</summary>
    string? Check(HostSnapshot snapshot, Profile profile);
}
