using Kai.Service.Approvals;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kai.Service.Hosting;

/// <summary>Times out unanswered approvals (as denied) about once a second.</summary>
public sealed class ApprovalExpiry(ApprovalService approvals, ILogger<ApprovalExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (approvals.ExpireDue() is > 0 and var n) logger.LogInformation("{Count} approval(s) timed out unanswered (denied)", n);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                logger.LogWarning("approval expiry failed: {Message}", ex.Message);
            }
        }
    }
}
