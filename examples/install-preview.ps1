#!/usr/bin/env pwsh
# What a user types to configure, preview, stage and check a protected Kai installation.
# Run from the repository after `dotnet build Kai.sln` (or ./build.ps1 Build). The real apply goes under a
# stage directory, so this needs no root; for the real thing drop -Root and run it with sudo.
[CmdletBinding()]
param(
    [string] $ConfigPath = (Join-Path ([System.IO.Path]::GetTempPath()) 'kai-preview/install.conf'),
    [string] $Stage = (Join-Path ([System.IO.Path]::GetTempPath()) 'kai-preview/stage'),
    [string] $ServiceUser = 'kai'
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../artifacts/Kai/Kai.psd1')
$null = New-Item -ItemType Directory -Force -Path (Split-Path $ConfigPath)

# 1. install.conf (0600). The token is read as a SecureString; the API secret is generated when absent.
$token = Read-Host -AsSecureString 'Bot token'
New-KaiInstallConfig -Path $ConfigPath -TelegramBotToken $token -AllowedUserId 111, 222 -ServiceUser $ServiceUser `
    -ApiPort 8080 -Force

# 2. The plan: every step a real run would change, nothing changed.
Install-Kai -ConfigPath $ConfigPath -WhatIf

# 3. A real apply under a prefix: <stage>/opt/kai, <stage>/var/lib/kai, <stage>/etc/kai/env, sudoers, unit.
Install-Kai -ConfigPath $ConfigPath -Root $Stage -Confirm:$false | Format-Table Changed, Step, Target, Detail

# 4. State and drift.
Get-KaiStatus -ConfigPath $ConfigPath -Root $Stage
Test-KaiInstall -ConfigPath $ConfigPath -Root $Stage          # $true when no drift

# 5. A second apply changes nothing.
Install-Kai -ConfigPath $ConfigPath -Root $Stage -Confirm:$false | Where-Object Changed   # (no output)
