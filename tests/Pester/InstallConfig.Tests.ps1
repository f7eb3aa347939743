#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# New-KaiInstallConfig / Get-KaiInstallConfig for users with pwsh + Pester 5:
#   ./build.ps1 Build; Invoke-Pester tests/Pester/InstallConfig.Tests.ps1
# (The hosted-engine tests in tests/Kai.PowerShell.Tests/InstallConfigTests.cs cover the same in CI,
#  plus -Interactive through a scripted host.)

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/Kai/Kai.psd1') -Force
    $script:TokenText = '123456:EXAMPLE-not-a-real-token'
    $script:Token = ConvertTo-SecureString $script:TokenText -AsPlainText -Force
    $script:ApiSecretText = 'EXAMPLE-api-secret-0123456789'
    $script:ApiSecret = ConvertTo-SecureString $script:ApiSecretText -AsPlainText -Force
}

Describe 'New-KaiInstallConfig' {
    BeforeEach {
        $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) ("kai-pester-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $script:Dir | Out-Null
        Push-Location $script:Dir
    }
    AfterEach {
        Pop-Location
        Remove-Item -LiteralPath $script:Dir -Recurse -Force
    }

    It 'accepts the command line from the issue and writes a 0600 file' {
        $view = New-KaiInstallConfig -Path ./install.conf -TelegramBotToken $Token -AllowedUserId 111,222 -ServiceUser kai -ApiPort 8080 -Force
        $file = Get-Item -LiteralPath (Join-Path $Dir 'install.conf')
        $file.UnixMode | Should -Be '-rw-------'
        $view.TelegramBotToken.ToString() | Should -Be 'Set'
        $view.ApiSecret.ToString() | Should -Be 'Set'
        $view.AllowedUserIds | Should -Be @(111, 222)
        $json = Get-Content -Raw -LiteralPath $file.FullName | ConvertFrom-Json
        $json.schemaVersion | Should -Be 1
        $json.telegramBotToken | Should -Be $TokenText
        $json.apiSecret.Length | Should -BeGreaterOrEqual 40
    }

    It 'round-trips through Get-KaiInstallConfig' {
        New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 5 -ClaudeModel Opus -ClaudeTimeoutSec 300 `
            -ClaudeBudgetUsd 2.5 -Transport Webhook -WebhookUrl https://kai.example.com/hook -VoiceTranscription | Out-Null
        $view = Get-KaiInstallConfig -Path install.conf
        $view.ClaudeModel.ToString() | Should -Be 'Opus'
        $view.ClaudeTimeoutSeconds | Should -Be 300
        $view.ClaudeMaxBudgetUsd | Should -Be 2.5
        $view.Transport.ToString() | Should -Be 'Webhook'
        $view.VoiceTranscription | Should -BeTrue
        $view.FileMode | Should -Be '0600'
    }

    It 'writes nothing with -WhatIf' {
        New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 111 -WhatIf | Should -BeNullOrEmpty
        Test-Path install.conf | Should -BeFalse
    }

    It 'refuses to replace an existing file without -Force' {
        Set-Content -Path install.conf -Value 'original'
        { New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 111 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InstallConfigExists,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand'
        $Error[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $Error[0].TargetObject | Should -Be (Join-Path $Dir 'install.conf')
        Get-Content install.conf | Should -Be 'original'
    }

    It 'updates only what is passed with -Force and keeps the secrets' {
        New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 111 -ApiSecret $ApiSecret | Out-Null
        New-KaiInstallConfig -Path install.conf -ApiPort 9000 -Force | Out-Null
        $json = Get-Content -Raw install.conf | ConvertFrom-Json
        $json.apiPort | Should -Be 9000
        $json.telegramBotToken | Should -Be $TokenText
        $json.apiSecret | Should -Be $ApiSecretText
    }

    It 'reports every bad parameter in one error naming each' {
        { New-KaiInstallConfig -Path install.conf -ServiceUser 'Bad User' -ClaudeUser root -ErrorAction Stop } |
            Should -Throw -ErrorId 'InstallConfigInvalid,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand'
        $message = $Error[0].Exception.Message
        $message | Should -Match '-ServiceUser: .Bad User. is not a valid user name'
        $message | Should -Match '-TelegramBotToken: is required'
        $message | Should -Match '-ClaudeUser: must not be root'
        Test-Path install.conf | Should -BeFalse
    }

    It 'rejects out-of-range and unknown values at binding' {
        { New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 1 -ApiPort 70000 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand'
        { New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 1 -ClaudeModel gpt -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand'
    }

    It 'never shows a secret in any stream' {
        $all = New-KaiInstallConfig -Path install.conf -TelegramBotToken $Token -AllowedUserId 111 -ApiSecret $ApiSecret -Verbose *>&1 | Out-String
        $all += Get-KaiInstallConfig -Path install.conf | Format-List * | Out-String
        $all | Should -Not -Match ([regex]::Escape($TokenText))
        $all | Should -Not -Match ([regex]::Escape($ApiSecretText))
    }
}

Describe 'Get-KaiInstallConfig' {
    BeforeEach {
        $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) ("kai-pester-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $script:Dir | Out-Null
        $script:Conf = Join-Path $script:Dir 'install.conf'
    }
    AfterEach {
        Remove-Item -LiteralPath $script:Dir -Recurse -Force
    }

    It 'names the file, line, column and field of a malformed install.conf' {
        Set-Content -LiteralPath $Conf -Value "{`n  `"schemaVersion`": 1,`n  `"apiPort`": `"eighty`"`n}"
        chmod 600 $Conf
        Get-KaiInstallConfig -Path $Conf -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -Be 'InstallConfigInvalid,Kai.PowerShell.Cmdlets.Install.GetKaiInstallConfigCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -BeLike "*'$Conf'*line 3, column 14: apiPort: expected a whole number, found a string.*"
    }

    It 'warns when others can read the file' {
        New-KaiInstallConfig -Path $Conf -TelegramBotToken $Token -AllowedUserId 7 | Out-Null
        chmod 644 $Conf
        Get-KaiInstallConfig -Path $Conf -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Should -Match 'chmod 600'
    }
}
