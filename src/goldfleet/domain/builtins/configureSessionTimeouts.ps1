<#
.SYNOPSIS
    Session time limits (Remote Desktop Session Host policies), in minutes; 0 leaves one unset.
.PARAMETER MaxDisconnectionTime
    End a disconnected session after this many minutes.
.PARAMETER MaxIdleTime
    Disconnect an idle session after this many minutes.
.PARAMETER MaxConnectionTime
    Limit an active session to this many minutes.
.PARAMETER RemoteAppLogoffTimeLimit
    Log off a disconnected RemoteApp session after this many minutes.
#>
param(
    [int]$MaxDisconnectionTime = 0,
    [int]$MaxIdleTime = 0,
    [int]$MaxConnectionTime = 0,
    [int]$RemoteAppLogoffTimeLimit = 0
)
$ErrorActionPreference = 'Stop'
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
New-Item -Path $policy -Force | Out-Null
$limits = @{
    'MaxDisconnectionTime' = $MaxDisconnectionTime
    'MaxIdleTime' = $MaxIdleTime
    'MaxConnectionTime' = $MaxConnectionTime
    'RemoteAppLogoffTimeLimit' = $RemoteAppLogoffTimeLimit
}
foreach ($limit in $limits.GetEnumerator()) { if ($limit.Value -gt 0) { New-ItemProperty -Path $policy -Name $limit.Key -PropertyType DWord -Value ($limit.Value * 60000) -Force | Out-Null } }
Write-Output 'Session time limits configured'
