#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Module-level checks for users with pwsh + Pester 5: ./build.ps1 Build, then Invoke-Pester tests/Pester.

BeforeAll {
    $script:ManifestPath = Join-Path $PSScriptRoot '../../artifacts/Kai/Kai.psd1'
    Import-Module $script:ManifestPath -Force
}

Describe 'Kai module' {
    It 'declares Core edition and pwsh 7.4' {
        $manifest = Import-PowerShellDataFile -Path $script:ManifestPath
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be '7.4'
    }

    It 'exports exactly the cmdlets the manifest lists' {
        $manifest = Import-PowerShellDataFile -Path $script:ManifestPath
        (Get-Module Kai).ExportedCmdlets.Keys | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'ships help with a synopsis and an example for <_>' -ForEach @((Get-Module Kai -ListAvailable:$false).ExportedCmdlets.Keys) {
        $help = Get-Help -Name $_ -Full
        $help.Synopsis | Should -Not -BeLike "$_*"
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }

    It 'loads its dependencies in its own load context' {
        $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'KaiLoadContext'
        Get-KaiStatus -ErrorAction SilentlyContinue | Out-Null
        $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'KaiLoadContext'
        $context | Should -Not -BeNullOrEmpty
    }
}
