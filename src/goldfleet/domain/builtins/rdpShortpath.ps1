<#
.SYNOPSIS
    RDP Shortpath for managed networks: the UDP listener on 3390 and its firewall rule.
#>
$ErrorActionPreference = 'Stop'
$stations = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations'
New-ItemProperty -Path $stations -Name 'fUseUdpPortRedirector' -PropertyType DWord -Value 1 -Force | Out-Null
New-ItemProperty -Path $stations -Name 'UdpPortNumber' -PropertyType DWord -Value 3390 -Force | Out-Null
New-NetFirewallRule -DisplayName 'Remote Desktop - RDP Shortpath (UDP-In)' -Direction Inbound -Action Allow -Protocol UDP -LocalPort 3390 -Program '%SystemRoot%\system32\svchost.exe' -Service 'TermService' -Group '@FirewallAPI.dll,-28752' | Out-Null
Write-Output 'RDP Shortpath for managed networks enabled on UDP 3390'
