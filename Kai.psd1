@{
    # The build (Kai.ModuleBuilder) stamps ModuleVersion and copies this file to artifacts/Kai/.
    RootModule           = 'Kai.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '3f6f0f5e-8c1e-4d43-9a55-5a2b8f0d6c11'
    Author               = 'Kai developers'
    CompanyName          = 'Kai'
    Copyright            = '(c) Kai developers. MIT License.'
    Description          = 'Protected installation of the Kai assistant service and sandboxed, persistent shell sessions (bubblewrap / sandbox-exec), embedded or through kai serve.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Kai.Install.format.ps1xml', 'Kai.Sandbox.format.ps1xml', 'Kai.Sessions.format.ps1xml', 'Kai.Service.format.ps1xml')
    CmdletsToExport      = @(
        # Protected installation
        'New-KaiInstallConfig', 'Get-KaiInstallConfig', 'Install-Kai', 'Get-KaiStatus', 'Test-KaiInstall', 'Uninstall-Kai'
        # Sandbox
        'Test-KaiSandbox'
        # Sessions
        'Start-KaiSession', 'Get-KaiSession', 'Stop-KaiSession', 'Remove-KaiSession', 'Invoke-KaiShell', 'Enter-KaiSession',
        'Get-KaiTranscript', 'Get-KaiProcess', 'Receive-KaiProcess', 'Stop-KaiProcess', 'Wait-KaiProcess'
        # Service, approvals, audit
        'Connect-KaiService', 'Disconnect-KaiService', 'Get-KaiApproval', 'Approve-KaiApproval', 'Deny-KaiApproval', 'Get-KaiAuditLog'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Kai', 'Sandbox', 'bubblewrap', 'sandbox-exec', 'systemd', 'launchd', 'Install', 'Linux', 'macOS', 'PSEdition_Core')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
