<#
.SYNOPSIS
    Sessions use the client's time zone (policy "Allow time zone redirection").
#>
$ErrorActionPreference = 'Stop'
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
New-Item -Path $policy -Force | Out-Null
New-ItemProperty -Path $policy -Name 'fEnableTimeZoneRedirection' -PropertyType DWord -Value 1 -Force | Out-Null
Write-Output 'Time zone redirection enabled'
