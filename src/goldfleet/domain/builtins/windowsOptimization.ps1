<#
.SYNOPSIS
    Apply the Virtual Desktop Optimization Tool (VDOT).
.PARAMETER Optimizations
    VDOT's optimization groups: All, or any of WindowsMediaPlayer, AppxPackages, ScheduledTasks,
    DefaultUserSettings, Autologgers, Services, NetworkOptimizations, LGPO, DiskCleanup.
#>
param(
    [string[]]$Optimizations = @('All')
)
$ErrorActionPreference = 'Stop'
$work = Join-Path $env:TEMP 'vdot'
New-Item -Path $work -ItemType Directory -Force | Out-Null
Invoke-WebRequest -Uri 'https://github.com/The-Virtual-Desktop-Team/Virtual-Desktop-Optimization-Tool/archive/refs/heads/main.zip' -OutFile "$work\vdot.zip" -UseBasicParsing
Expand-Archive -Path "$work\vdot.zip" -DestinationPath $work -Force
$tool = Get-ChildItem -Path $work -Recurse -Filter 'Windows_VDOT.ps1' | Select-Object -First 1
& $tool.FullName -Optimizations $Optimizations -AcceptEULA -Verbose
Remove-Item -Path $work -Recurse -Force
Write-Output "VDOT applied: $($Optimizations -join ', ')"
