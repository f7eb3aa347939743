#Requires -Version 7.4
<#
.SYNOPSIS
    The sessions walk-through from the issue: a persistent sandboxed session, state between commands,
    a fresh one-off, background work, the transcript, and cleaning up.
.DESCRIPTION
    Runs against the embedded host. Set $env:KAI_DATA_DIR first to keep its data somewhere else than
    ~/.local/share/kai. The interactive part (Enter-KaiSession) runs only with -Interactive.
.EXAMPLE
    ./examples/sessions.ps1 -Workspace ~/src/app
.EXAMPLE
    ./examples/sessions.ps1 -Workspace ./demo -Interactive
#>
[CmdletBinding()]
param(
    # The project the session works in (created if missing).
    [string] $Workspace = (Join-Path ([System.IO.Path]::GetTempPath()) 'kai-sessions-example'),

    # Also open the interactive loop (type `exit` to come back).
    [switch] $Interactive
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../artifacts/Kai/Kai.psd1')
$null = New-Item -ItemType Directory -Path $Workspace -Force

# A long-lived bash inside the sandbox (bubblewrap on Linux, sandbox-exec on macOS).
$s = Start-KaiSession -Name build -Workspace $Workspace

# Working directory and exports carry between the commands of a session...
Invoke-KaiShell -Session $s -Command 'cd /tmp; export X=1' -TimeoutSec 30
(Invoke-KaiShell -Session build -Command 'echo "$PWD $X"').Output      # "/tmp 1"

# ...and a fresh shell neither sees nor changes them.
Invoke-KaiShell -Session build -Command 'echo "fresh: ${X:-unset} in $PWD"' -Fresh

# Per-command environment and stdin.
'banana', 'apple' | Invoke-KaiShell -Session build -Command 'sort; echo "$WHO"' -Environment @{ WHO = "Kai's sandbox" }

# Long work: detached in the background, or as a PowerShell job.
$p = Invoke-KaiShell -Session build -Command 'for i in 1 2 3; do echo "step $i"; sleep 1; done' -Background
$p | Wait-KaiProcess -TimeoutSec 30 | Receive-KaiProcess
$job = Invoke-KaiShell -Session build -Command 'uname -sr' -AsJob
$job | Wait-Job | Receive-Job
$job | Remove-Job

# The durable record of what happened.
(Get-KaiTranscript -Session build -Last 3).Commands

if ($Interactive) {
    Enter-KaiSession build
}

Stop-KaiSession -Session build
Remove-KaiSession -Session build -Confirm:$false
