<#
.SYNOPSIS
    Microsoft Teams with AVD media optimization: the WebRTC redirector service and new Teams
    provisioned for all users.
#>
$ErrorActionPreference = 'Stop'
$work = Join-Path $env:TEMP 'teams'
New-Item -Path $work -ItemType Directory -Force | Out-Null
New-Item -Path 'HKLM:\SOFTWARE\Microsoft\Teams' -Force | Out-Null
New-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Teams' -Name 'IsWVDEnvironment' -PropertyType DWord -Value 1 -Force | Out-Null
Invoke-WebRequest -Uri 'https://aka.ms/vs/17/release/vc_redist.x64.exe' -OutFile "$work\vc_redist.x64.exe" -UseBasicParsing
Start-Process -FilePath "$work\vc_redist.x64.exe" -ArgumentList '/install', '/quiet', '/norestart' -Wait
Invoke-WebRequest -Uri 'https://aka.ms/msrdcwebrtcsvc/msi' -OutFile "$work\MsRdcWebRTCSvc_HostSetup_x64.msi" -UseBasicParsing
msiexec.exe /i "$work\MsRdcWebRTCSvc_HostSetup_x64.msi" /quiet /norestart | Out-Null
Invoke-WebRequest -Uri 'https://go.microsoft.com/fwlink/?linkid=2243204' -OutFile "$work\teamsbootstrapper.exe" -UseBasicParsing
Start-Process -FilePath "$work\teamsbootstrapper.exe" -ArgumentList '-p' -Wait
Remove-Item -Path $work -Recurse -Force
Write-Output 'Teams with media optimization installed'
