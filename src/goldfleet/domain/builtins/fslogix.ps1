<#
.SYNOPSIS
    Install FSLogix and turn on profile containers.
.PARAMETER ProfilePath
    Where the profile VHDs live (an SMB share, e.g. \\stprofiles.file.core.windows.net\profiles).
    Empty: install only; host pools set VHDLocations later.
#>
param(
    [string]$ProfilePath = ''
)
$ErrorActionPreference = 'Stop'
$work = Join-Path $env:TEMP 'fslogix'
New-Item -Path $work -ItemType Directory -Force | Out-Null
Invoke-WebRequest -Uri 'https://aka.ms/fslogix_download' -OutFile "$work\fslogix.zip" -UseBasicParsing
Expand-Archive -Path "$work\fslogix.zip" -DestinationPath $work -Force
$setup = Get-ChildItem -Path $work -Recurse -Filter 'FSLogixAppsSetup.exe' | Where-Object FullName -Like '*x64*' | Select-Object -First 1
Start-Process -FilePath $setup.FullName -ArgumentList '/install', '/quiet', '/norestart' -Wait
$profiles = 'HKLM:\SOFTWARE\FSLogix\Profiles'
New-Item -Path $profiles -Force | Out-Null
New-ItemProperty -Path $profiles -Name 'Enabled' -PropertyType DWord -Value 1 -Force | Out-Null
New-ItemProperty -Path $profiles -Name 'DeleteLocalProfileWhenVHDShouldApply' -PropertyType DWord -Value 1 -Force | Out-Null
New-ItemProperty -Path $profiles -Name 'FlipFlopProfileDirectoryName' -PropertyType DWord -Value 1 -Force | Out-Null
New-ItemProperty -Path $profiles -Name 'VolumeType' -PropertyType String -Value 'VHDX' -Force | Out-Null
if ($ProfilePath) { New-ItemProperty -Path $profiles -Name 'VHDLocations' -PropertyType MultiString -Value $ProfilePath -Force | Out-Null }
Remove-Item -Path $work -Recurse -Force
Write-Output 'FSLogix installed; profile containers enabled'
