<#
.SYNOPSIS
    Install Windows language packs (with their features on demand) for every user.
.PARAMETER Languages
    Language tags, e.g. en-GB, de-DE.
#>
param(
    [Parameter(Mandatory)][string[]]$Languages
)
$ErrorActionPreference = 'Stop'
# Windows removes "unused" language packs on its own; keep them in the image.
Disable-ScheduledTask -TaskPath '\Microsoft\Windows\AppxDeploymentClient\' -TaskName 'Pre-staged app cleanup' | Out-Null
Disable-ScheduledTask -TaskPath '\Microsoft\Windows\LanguageComponentsInstaller\' -TaskName 'Uninstallation' | Out-Null
Import-Module LanguagePackManagement
Install-Language -Language {{Languages[]}}
Write-Output "Installed languages: $($Languages -join ', ')"
