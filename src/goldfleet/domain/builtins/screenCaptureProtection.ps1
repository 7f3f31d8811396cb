<#
.SYNOPSIS
    Screen capture protection: block screen capture on the client, or on client and server.
.PARAMETER BlockOption
    BlockClient (1) or BlockBoth (2, the default).
#>
param(
    [ValidateSet('BlockClient', 'BlockBoth')][string]$BlockOption = 'BlockBoth'
)
$ErrorActionPreference = 'Stop'
$value = if ($BlockOption -eq 'BlockClient') { 1 } else { 2 }
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
New-Item -Path $policy -Force | Out-Null
New-ItemProperty -Path $policy -Name 'fEnableScreenCaptureProtect' -PropertyType DWord -Value $value -Force | Out-Null
Write-Output "Screen capture protection: $BlockOption"
