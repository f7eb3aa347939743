#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Install-Kai / Get-KaiStatus / Test-KaiInstall / Uninstall-Kai for users with pwsh + Pester 5, run as root
# (real chown to a throw-away user): sudo pwsh -c 'Invoke-Pester tests/Pester/Install.Tests.ps1'
# The hosted-engine tests (tests/Kai.PowerShell.Tests/InstallCmdletTests.cs) cover the same behaviour in CI.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/Kai/Kai.psd1') -Force
    $script:User = 'kaitest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    & useradd -r -M -d /nonexistent -s /usr/sbin/nologin $script:User
    $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) ('kai-pester-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:Dir
    $script:Stage = Join-Path $script:Dir 'stage'
    $script:Config = Join-Path $script:Dir 'install.conf'
    $script:Token = '123456:PESTER-token-value-abcdef'
    New-KaiInstallConfig -Path $script:Config -TelegramBotToken (ConvertTo-SecureString $script:Token -AsPlainText -Force) `
        -AllowedUserId 111 -ServiceUser $script:User -Force | Out-Null
    function Get-Mode([string] $Path) { (& stat -c '%U:%G %a' $Path) }
}

AfterAll {
    & userdel $script:User
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'Install-Kai' {
    It '-WhatIf changes nothing' {
        Install-Kai -ConfigPath $script:Config -Root $script:Stage -WhatIf
        Test-Path $script:Stage | Should -BeFalse
    }

    It 'applies the layout with the seed''s owners and modes' {
        $results = Install-Kai -ConfigPath $script:Config -Root $script:Stage -Confirm:$false
        $results | Where-Object Status -EQ 'Failed' | Should -BeNullOrEmpty
        Get-Mode "$script:Stage/opt/kai" | Should -Be 'root:root 755'
        Get-Mode "$script:Stage/opt/kai/home" | Should -Be "$($script:User):$($script:User) 755"
        Get-Mode "$script:Stage/var/lib/kai/memory/MEMORY.md" | Should -Be "$($script:User):$($script:User) 644"
        Get-Mode "$script:Stage/etc/kai/env" | Should -Be 'root:root 600'
        Get-Mode "$script:Stage/etc/sudoers.d/kai" | Should -Be 'root:root 440'
        & visudo -cf "$script:Stage/etc/sudoers.d/kai" | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'changes nothing the second time' {
        Install-Kai -ConfigPath $script:Config -Root $script:Stage -Confirm:$false | Where-Object Changed | Should -BeNullOrEmpty
        Test-KaiInstall -ConfigPath $script:Config -Root $script:Stage | Should -BeTrue
    }

    It 'never shows a secret' {
        $all = Install-Kai -ConfigPath $script:Config -Root $script:Stage -Confirm:$false -Verbose 4>&1 | Out-String
        $all | Should -Not -Match ([regex]::Escape($script:Token))
    }

    It 'refuses an unknown service user with ServiceUserNotFound' {
        $bad = Join-Path $script:Dir 'bad.conf'
        New-KaiInstallConfig -Path $bad -TelegramBotToken (ConvertTo-SecureString '123456:ANOTHER-token-value-abcdef' -AsPlainText -Force) -AllowedUserId 1 `
            -ServiceUser 'kaitestnosuchuser' -Force | Out-Null
        { Install-Kai -ConfigPath $bad -Root (Join-Path $script:Dir 'other') -Confirm:$false } |
            Should -Throw -ErrorId 'ServiceUserNotFound,Kai.PowerShell.Cmdlets.Install.InstallKaiCommand'
    }
}

Describe 'Drift and status' {
    It 'reports a changed mode as drift naming the step' {
        & chmod 644 "$script:Stage/etc/kai/env"
        Test-KaiInstall -ConfigPath $script:Config -Root $script:Stage | Should -BeFalse
        (Test-KaiInstall -ConfigPath $script:Config -Root $script:Stage -Detailed | Where-Object Status -EQ 'WouldChange').Step | Should -Be 'WriteSecrets'
        (Get-KaiStatus -ConfigPath $script:Config -Root $script:Stage).Drift.Step | Should -Be 'WriteSecrets'
        Install-Kai -ConfigPath $script:Config -Root $script:Stage -Confirm:$false | Out-Null
        Test-KaiInstall -ConfigPath $script:Config -Root $script:Stage | Should -BeTrue
    }

    It 'prints the status text' {
        Get-KaiStatus -ConfigPath $script:Config -Root $script:Stage | Out-String | Should -Match 'Kai Installation Status'
    }
}

Describe 'Uninstall-Kai' {
    It 'keeps data and secrets unless asked' {
        Uninstall-Kai -ConfigPath $script:Config -Root $script:Stage -Confirm:$false | Out-Null
        Test-Path "$script:Stage/opt/kai/bin/kai" | Should -BeFalse
        Test-Path "$script:Stage/var/lib/kai" | Should -BeTrue
        Test-Path "$script:Stage/etc/kai/env" | Should -BeTrue
    }
}
