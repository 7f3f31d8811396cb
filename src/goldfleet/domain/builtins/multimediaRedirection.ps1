<#
.SYNOPSIS
    Multimedia redirection (MMR) host for AVD.
.PARAMETER Architecture
    x64 (default) or arm64.
#>
param(
    [ValidateSet('x64', 'arm64')][string]$Architecture = 'x64'
)
$ErrorActionPreference = 'Stop'
$work = Join-Path $env:TEMP 'mmr'
New-Item -Path $work -ItemType Directory -Force | Out-Null
Invoke-WebRequest -Uri "https://aka.ms/avdmmr/msi?arch=$Architecture" -OutFile "$work\MsMmrHostInstaller.msi" -UseBasicParsing
msiexec.exe /i "$work\MsMmrHostInstaller.msi" /quiet /norestart | Out-Null
Remove-Item -Path $work -Recurse -Force
Write-Output "Multimedia redirection installed ($Architecture)"
