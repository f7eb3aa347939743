#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The Kai service from pwsh, for users with pwsh + Pester 5 (Linux): starts a real `kai serve` on a temp
# data directory, connects, and drives sessions, approvals and the audit log. ./build.ps1 Build first.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/Kai/Kai.psd1') -Force
    $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) "kai-pester-svc-$([guid]::NewGuid().ToString('N'))"
    $script:Data = Join-Path $script:Root 'data'
    $null = New-Item -ItemType Directory -Path $script:Data -Force
    $script:Secret = [guid]::NewGuid().ToString('N')
    $script:Port = Get-Random -Minimum 20000 -Maximum 60000
    $envFile = Join-Path $script:Root 'env'
    Set-Content -Path $envFile -Value "WEBHOOK_SECRET='$script:Secret'`nWEBHOOK_PORT=$script:Port`n"
    Set-Content -Path (Join-Path $script:Data 'approvals.yaml') -Value "rules:`n  - id: recursive-delete`n    pattern: '^rm\s+-[a-z]*r'`n"
    $kai = Join-Path $PSScriptRoot '../../artifacts/bin/kai'
    $script:Service = Start-Process -FilePath $kai -ArgumentList 'serve' -PassThru -Environment @{ KAI_DATA_DIR = $script:Data; KAI_ENV_FILE = $envFile }
    $socket = Join-Path $script:Data 'kai.sock'
    $deadline = (Get-Date).AddSeconds(30)
    while (-not (Test-Path "$socket.token") -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
    Connect-KaiService -SocketPath $socket
}

AfterAll {
    Disconnect-KaiService
    if ($script:Service -and -not $script:Service.HasExited) { Stop-Process -Id $script:Service.Id; $script:Service.WaitForExit(30000) }
    Remove-Item -Path $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'kai serve' {
    It 'hosts sessions for connected clients' {
        $s = Start-KaiSession -Name pester -Workspace $script:Root
        (Invoke-KaiShell -Session $s -Command 'echo from-the-service').Output | Should -Be "from-the-service`n"
    }

    It 'holds a matching command for approval, and runs it once when approved' {
        $held = Invoke-KaiShell -Session pester -Command 'rm -r nothing-here' -WarningAction SilentlyContinue
        $held.ApprovalId | Should -Match '^ap-[0-9a-f]{32}$'
        $approval = Get-KaiApproval -Id $held.ApprovalId
        $approval.Status | Should -Be 'Pending'
        ($approval | Approve-KaiApproval -Confirm:$false).Status | Should -Be 'Approved'
        { Approve-KaiApproval -Id $held.ApprovalId -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ApprovalNotPending*'
    }

    It 'refuses a wrong API secret over TCP' {
        $bad = [pscredential]::new('kai', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        { Connect-KaiService -Uri "http://127.0.0.1:$script:Port" -Credential $bad -ErrorAction Stop } | Should -Throw -ErrorId 'ServiceAuthenticationFailed*'
        Connect-KaiService -SocketPath (Join-Path $script:Data 'kai.sock')
    }

    It 'keeps an audit log whose hash chain verifies' {
        (Get-KaiAuditLog -Kind 'approval.*').Kind | Should -Contain 'approval.approved'
        (Get-KaiAuditLog -Verify).Valid | Should -BeTrue
    }

    AfterAll { Remove-KaiSession -Session pester -Confirm:$false -ErrorAction SilentlyContinue }
}
