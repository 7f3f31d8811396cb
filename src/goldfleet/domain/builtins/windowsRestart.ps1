<#
.SYNOPSIS
    Restart the build VM; the builder waits for it to come back.
.PARAMETER RestartTimeout
    How long the builder waits (e.g. 5m, 1h).
#>
param(
    [string]$RestartTimeout = '5m'
)
Write-Output "Restarting; the builder waits up to $RestartTimeout"
Restart-Computer -Force
