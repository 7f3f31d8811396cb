<#
.SYNOPSIS
    Turn Storage Sense off: it must not delete files in users' profile containers.
#>
$ErrorActionPreference = 'Stop'
$policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\StorageSense'
New-Item -Path $policy -Force | Out-Null
New-ItemProperty -Path $policy -Name 'AllowStorageSenseGlobal' -PropertyType DWord -Value 0 -Force | Out-Null
Write-Output 'Storage Sense disabled'
