<#
.SYNOPSIS
    Remove AppX packages for every user and deprovision them, so new profiles do not get them.
.PARAMETER Packages
    Package names, e.g. Microsoft.XboxApp.
#>
param(
    [Parameter(Mandatory)][string[]]$Packages
)
$ErrorActionPreference = 'Continue'
Get-AppxPackage -AllUsers -Name {{Packages[]}} | Remove-AppxPackage -AllUsers
Get-AppxProvisionedPackage -Online | Where-Object DisplayName -EQ {{Packages[]}} | Remove-AppxProvisionedPackage -Online -AllUsers
Write-Output "Removed: $($Packages -join ', ')"
