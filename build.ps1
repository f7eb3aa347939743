#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages and documents the Kai module (pwsh front end; dotnet does the real work).
.DESCRIPTION
    Tasks run in the order given:
      Clean    remove artifacts/ and every bin/ obj/
      Build    dotnet build Kai.sln -> artifacts/Kai (importable module) and artifacts/bin/kai
      Test     the whole suite (./test.sh: engine, CLI and hosted-engine module tests), then Pester if installed
      Package  artifacts/packages/Kai-<version>.zip (the module) and kai-<version>-dist.tar.gz (module + CLI)
      Docs     regenerate docs/en-US with PlatyPS when it is installed, then rebuild MAML help
.EXAMPLE
    ./build.ps1 Build, Test
.EXAMPLE
    ./build.ps1 -Task Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Build', 'Test', 'Package', 'Docs')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$artifacts = Join-Path $root 'artifacts'

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-KaiVersion {
    $manifest = Import-PowerShellDataFile -Path (Join-Path $root 'Kai.psd1')
    $manifest.ModuleVersion
}

foreach ($step in $Task) {
    switch ($step) {
        'Clean' {
            Remove-Item -LiteralPath $artifacts -Recurse -Force -ErrorAction SilentlyContinue
            Get-ChildItem -Path $root -Directory -Recurse -Include bin, obj |
                Where-Object FullName -NotLike "*$([IO.Path]::DirectorySeparatorChar).git*" |
                Remove-Item -Recurse -Force
        }
        'Build' {
            Invoke-Native dotnet @('build', (Join-Path $root 'Kai.sln'), '-c', $Configuration, "-p:KaiVersion=$(Get-KaiVersion)")
        }
        'Test' {
            Invoke-Native (Join-Path $root 'test.sh') @()
            if (Get-Module -ListAvailable -Name Pester | Where-Object Version -GE '5.0.0') {
                $result = Invoke-Pester -Path (Join-Path $root 'tests/Pester') -PassThru -Output Detailed
                if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
            }
            else {
                Write-Warning 'Pester 5 is not installed: skipped tests/Pester (Install-Module Pester -MinimumVersion 5.0).'
            }
        }
        'Package' {
            $version = Get-KaiVersion
            $packages = Join-Path $artifacts 'packages'
            New-Item -ItemType Directory -Path $packages -Force | Out-Null
            Compress-Archive -Path (Join-Path $artifacts 'Kai') -DestinationPath (Join-Path $packages "Kai-$version.zip") -Force
            Invoke-Native tar @('-czf', (Join-Path $packages "kai-$version-dist.tar.gz"), '-C', $artifacts, 'Kai', 'bin')
            Get-ChildItem -Path $packages
        }
        'Docs' {
            if (Get-Module -ListAvailable -Name platyPS) {
                Import-Module (Join-Path $artifacts 'Kai/Kai.psd1') -Force
                Import-Module platyPS
                Update-MarkdownHelp -Path (Join-Path $root 'docs/en-US') -AlphabeticParamsOrder:$false | Out-Null
            }
            else {
                Write-Warning 'platyPS is not installed: docs/en-US kept as is (Install-Module platyPS).'
            }
            # MAML is rendered from the markdown by the build (tools/Kai.ModuleBuilder).
            Invoke-Native dotnet @('build', (Join-Path $root 'Kai.PowerShell/Kai.PowerShell.csproj'), '-c', $Configuration)
        }
    }
}
