namespace Ttm.Hosting;

/// <summary>
/// A host cannot start because of a setting (a Redis it cannot reach, a store it cannot write, a certificate that does not
/// load): the message names the setting and what to do. A host that meets one exits 2 with the message
/// (<see cref="StartupChecks.RunHostAsync"/>); any other exception while starting is a defect and keeps its stack trace.
/// </summary>
public sealed class SettingException(string message, Exception? inner = null) : Exception(message, inner);
