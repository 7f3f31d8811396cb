<#
.SYNOPSIS
    Install Windows updates with PSWindowsUpdate (the restart is a separate step).
.PARAMETER SearchCriteria
    Windows Update Agent search criteria.
.PARAMETER Filters
    Wildcards on update titles to leave out, e.g. *Preview*.
.PARAMETER UpdateLimit
    At most this many updates.
#>
param(
    [string]$SearchCriteria = 'IsInstalled=0 and Type=''Software'' and IsHidden=0',
    [string[]]$Filters = @('*Preview*'),
    [int]$UpdateLimit = 1000
)
$ErrorActionPreference = 'Stop'
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
Install-PackageProvider -Name NuGet -MinimumVersion 2.8.5.201 -Force | Out-Null
Install-Module -Name PSWindowsUpdate -Force -Scope AllUsers
Import-Module PSWindowsUpdate
$updates = @(Get-WindowsUpdate -MicrosoftUpdate -Criteria $SearchCriteria)
foreach ($pattern in $Filters) { $updates = @($updates | Where-Object { $_.Title -notlike $pattern }) }
$updates = @($updates | Select-Object -First $UpdateLimit)
Write-Output "Installing $($updates.Count) updates"
if ($updates.Count -gt 0) {
    Install-WindowsUpdate -MicrosoftUpdate -KBArticleID $updates.KB -AcceptAll -IgnoreReboot
}
