<#
.SYNOPSIS
    Session hosts take updates from new images, not from Windows Update.
#>
$ErrorActionPreference = 'Stop'
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU'
New-Item -Path $policy -Force | Out-Null
New-ItemProperty -Path $policy -Name 'NoAutoUpdate' -PropertyType DWord -Value 1 -Force | Out-Null
Write-Output 'Automatic updates disabled'
