#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Session cmdlets for users with pwsh + Pester 5: ./build.ps1 Build, then Invoke-Pester tests/Pester.
# The sessions run in a throwaway KAI_DATA_DIR with the default sandbox (bubblewrap on Linux).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/Kai/Kai.psd1') -Force
    $script:SavedDataDir = $env:KAI_DATA_DIR
    $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) ("kai-pester-" + [guid]::NewGuid())
    $env:KAI_DATA_DIR = Join-Path $script:Root 'data'
    $script:Workspace = (New-Item -ItemType Directory -Path (Join-Path $script:Root 'ws') -Force).FullName
}

AfterAll {
    Get-KaiSession | Remove-KaiSession -Confirm:$false
    $env:KAI_DATA_DIR = $script:SavedDataDir
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Kai sessions' {
    BeforeAll {
        $script:Session = Start-KaiSession -Name pester -Workspace $script:Workspace
    }

    It 'keeps state within a session (the issue''s example)' {
        Invoke-KaiShell -Session $script:Session -Command 'cd /tmp; export X=1' -TimeoutSec 30 | Out-Null
        (Invoke-KaiShell -Session pester -Command 'echo "$PWD $X"').Output.Trim() | Should -Be '/tmp 1'
    }

    It 'does not share state across sessions' {
        $null = Start-KaiSession -Name pester-other -Workspace $script:Workspace
        (Invoke-KaiShell -Session pester-other -Command 'echo "${X:-unset}"').Output.Trim() | Should -Be 'unset'
    }

    It 'discards state with -Fresh' {
        (Invoke-KaiShell -Session pester -Command 'export F=1; echo "${X:-unset}"' -Fresh).Output.Trim() | Should -Be 'unset'
        (Invoke-KaiShell -Session pester -Command 'echo "${F:-unset}"').Output.Trim() | Should -Be 'unset'
    }

    It 'passes environment values with quotes and spaces intact' {
        $value = "it's `"quoted`"  twice"
        (Invoke-KaiShell -Session pester -Command 'printf %s "$V"' -Environment @{ V = $value }).Output | Should -BeExactly $value
    }

    It 'feeds piped strings to stdin as lines' {
        ('b', 'a' | Invoke-KaiShell -Session pester -Command 'sort').Output | Should -BeExactly "a`nb`n"
    }

    It 'times out with a result, and the session goes on' {
        $r = Invoke-KaiShell -Session pester -Command 'sleep 30' -TimeoutSec 1
        $r.TimedOut | Should -BeTrue
        (Invoke-KaiShell -Session pester -Command 'echo ok').Output.Trim() | Should -Be 'ok'
    }

    It 'runs background processes' {
        $p = Invoke-KaiShell -Session pester -Command 'echo bg' -Background
        ($p | Wait-KaiProcess -TimeoutSec 30).State | Should -Be 'Exited'
        ($p | Receive-KaiProcess).Output.Trim() | Should -Be 'bg'
    }

    It 'runs as a PowerShell job' {
        $job = Invoke-KaiShell -Session pester -Command 'echo job' -AsJob
        ($job | Wait-Job -Timeout 60 | Receive-Job).Output.Trim() | Should -Be 'job'
        $job | Remove-Job
    }

    It 'reports an unknown session as ObjectNotFound' {
        { Invoke-KaiShell -Session pester-nope -Command 'true' -ErrorAction Stop } |
            Should -Throw -ErrorId 'SessionNotFound,Kai.PowerShell.Cmdlets.Sessions.InvokeKaiShellCommand'
    }

    It 'keeps the session with Remove-KaiSession -WhatIf' {
        Remove-KaiSession -Session pester -WhatIf
        Get-KaiSession -Name pester | Should -Not -BeNullOrEmpty
    }

    It 'completes session names on Tab' {
        $line = 'Invoke-KaiShell -Session peste'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText |
            Should -Contain 'pester'
    }

    It 'records commands in the transcript' {
        (Get-KaiTranscript -Session pester -Last 1).Commands.Count | Should -Be 1
    }
}
