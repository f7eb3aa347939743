#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Test-KaiSandbox for users with pwsh + Pester 5 on Linux with bubblewrap: ./build.ps1 Build, then Invoke-Pester tests/Pester.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/Kai/Kai.psd1') -Force
    # Not under /tmp: the default policy replaces /tmp with a private scratch directory.
    $script:Root = Join-Path ([Environment]::GetFolderPath('UserProfile')) ".cache/kai-tests/pester-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $script:Workspace = New-Item -ItemType Directory -Path (Join-Path $script:Root 'ws') -Force
    $script:Data = New-Item -ItemType Directory -Path (Join-Path $script:Root 'data') -Force
}

AfterAll {
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Test-KaiSandbox' -Skip:(-not $IsLinux) {
    It 'blocks every probe under the default policy' {
        $results = Test-KaiSandbox -Workspace $script:Workspace -DataDirectory $script:Data -Force -ErrorAction Stop
        $results.Count | Should -Be 11
        $results | Where-Object Outcome -NE 'Blocked' | Should -BeNullOrEmpty
    }

    It 'answers from the cache the second time' {
        Test-KaiSandbox -Workspace $script:Workspace -DataDirectory $script:Data -Force | Out-Null
        (Test-KaiSandbox -Workspace $script:Workspace -DataDirectory $script:Data).Cached | Should -Not -Contain $false
    }

    It 'explains a protected rc file' {
        Set-Content -LiteralPath (Join-Path $script:Workspace '.bashrc') -Value '# rc'
        $explanation = Test-KaiSandbox -Workspace $script:Workspace -DataDirectory $script:Data -Path (Join-Path $script:Workspace '.bashrc')
        $explanation.Access | Should -Be 'ReadOnly'
        $explanation.RuleId | Should -BeLike 'write-deny:*/.bashrc'
    }

    It 'explains a hidden credential directory' {
        (Test-KaiSandbox -Workspace $script:Workspace -DataDirectory $script:Data -Path '~/.ssh').Access | Should -Be 'Hidden'
    }

    It 'rejects a policy that allow-lists a secret, naming the line' {
        $policy = Join-Path $script:Root 'policy.yaml'
        Set-Content -LiteralPath $policy -Value "environment:`n  allow: [ GITHUB_TOKEN ]"
        { Test-KaiSandbox -Workspace $script:Workspace -DataDirectory $script:Data -Policy $policy -ErrorAction Stop } |
            Should -Throw -ErrorId 'SandboxEnvironmentForbidden,Kai.PowerShell.Cmdlets.Sandbox.TestKaiSandboxCommand'
    }

    It 'does not offer -Sandbox None' {
        { Test-KaiSandbox -Sandbox None } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Kai.PowerShell.Cmdlets.Sandbox.TestKaiSandboxCommand'
    }
}
