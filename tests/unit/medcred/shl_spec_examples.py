"""The worked examples published in the HL7 SMART Health Cards and Links IG (STU1, 1.0.0), verbatim.

Source: github.com/HL7/smart-health-cards-and-links, input/pagecontent/links-specification.md
("Example SMART Health Link Generation", "Example Encryption", "Example Decryption"), published at
hl7.org/fhir/uv/smart-health-cards-and-links/links-specification.html; and input/images/
IPS_IG-bundle-01-shl-details.json and carin-ins-card-shl-details.json (links-examples.md).
"""

from __future__ import annotations

# "Example SMART Health Link Generation": the payload, then what the spec prints for it.
LINK_PAYLOAD = {
    "url": "https://ehr.example.org/qr/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM/m",
    "flag": "LP",
    "key": "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q",
    "label": "Back-to-school immunizations for Oliver Brown",
}
LINK_BARE = (
    "shlink:/eyJ1cmwiOiJodHRwczovL2Voci5leGFtcGxlLm9yZy9xci9ZOXh3a1VkdG1OOXd3b0pvTjNmZkpJaFgyVUd2Q0wxSm5sUF"
    "ZOTDNrRFdNL20iLCJmbGFnIjoiTFAiLCJrZXkiOiJyeFRnWWxPYUtKUEZ0Y0VkMHFjY2VOOHdFVTRwOTRTcUF3SVdRZTZ1WDdRIiwi"
    "bGFiZWwiOiJCYWNrLXRvLXNjaG9vbCBpbW11bml6YXRpb25zIGZvciBPbGl2ZXIgQnJvd24ifQ"
)
LINK_WITH_VIEWER = "https://viewer.example.org#" + LINK_BARE

# "Example Encryption" / "Example Decryption": the spec's example SMART Health Card file encrypted
# under the key above (no zip); decrypting it gives cty application/smart-health-card and a JSON object
# whose verifiableCredential[0] begins with the prefix the spec prints.
FILE_KEY = "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"
FILE_JWE = (
    "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoiYXBwbGljYXRpb24vc21hcnQtaGVhbHRoLWNhcmQifQ..B9Bd5AW7"
    "51az-gEx.iah6mxLb5TQe2ZfCwEUs4R1t8WoP0mnFc-TUzN1NIyzUeDwJNOcxv4CY8wV6ys4Dicnr3IhqTvVU1RbR-4eq1GCd4g9"
    "6faV8_0MbHwXzP246Tz9BDLhQ2zlAjYqvvCi_JuWdyWqGhKeWGX1XibNHFzzVT0FmYensfKF4o0uSeZWQDKVEEhzMSKuALMpUkfw"
    "HcmCRfLT-ctANSxq-Zj0IIeT66XbztOomStjlfi-F-FaqBGZfHOARCVvT143CTYELLJCUdD4qUVkrNuLmRZrNuqVpY0g5BjABswk"
    "IoDmyoRJAEohuZCamZNA--p-uRqJjRefED1eMrKSppabV2ugaqoFlieujTOE-a3VKib9aC-lFsmLalkwh9ctr_FZqS9H46rqGjGc"
    "OxtAXalo1jkMPGupVsE1W-xIH14wbPCYcgfldH9SH7X60462kxD8OFdHpvnnfAvjQnaE4QDqasT5ySpBRtck4GVxs2IRBt62-kOl"
    "zoI8lHapLdwIms-Gdt7z38E47ZE3afE4IIbobPGz7wGvjbi3z234ARvGQ4jREgPQb1NRYAEtZlrZNzR6N7ofXD8jF502tw-QWI_O"
    "x0jFP5tynIiMp-hG25ecQ0s4MzPHFC0ZABPamgg3MS-UILl76gMDCHS5Te_JAXZoC1HnkETw5M217SaG5ISAU0F5qETMREfTjZR9"
    "E45MDhnw7uY1vo2lffRB3ei1QqGuLh0gUnVU7TUfFYwcOqV15sb0t1lMj0mmyG5v-_dE9H6dYtRKJARltmdfSmc1HisBewx75Xh5"
    "ChJQ1hiCEDaZ1wqFjsFJ6SrKgJ7C1N7vx6QKx8YXwFH7ePG2qG39leT5JKZnqAvi9fqc6x-YwfhSjbRKGZoj2o55Fd2fbwtK6CXp"
    "iW6AekT7PUcl_7ynTq-DaQ_Yc29WwtmgapcCRNpfcMsoqCD4giu1V3Sj5DQLglwuk1gAMcuV5fo8JpABu2_is83WZ_GJ1WWMUxyZ"
    "Gq6u-EGuZrP96Yewb7-zfnt2lao_LJg1ef5cqDTW7-0MS27wkmLiIi0e-PYvS-UfWVHg1oNbR-MHXMVEQ6gqNg08IgEyPDSFCUbf"
    "75HuMILN80bQNtSlFj6FR7uNKHr8sigvKI80k.5flOKKmeqYm0TamwROr8Nw"
)
FILE_CONTENT_TYPE = "application/smart-health-card"
FILE_CREDENTIAL_PREFIX = (
    "eyJ6aXAiOiJERUYiLCJhbGciOiJFUzI1NiIsImtpZCI6IjNLZmRnLVh3UC03Z1h5eXd0VWZVQUR3QnVtRE9QS01ReC1pRUxMMTFX"
)

# links-examples.md: the IPS example (a viewer prefix, flag LU) and the CGM example (flag LU, an apostrophe).
IPS_LINK = (
    "https://viewer.tcpdev.org/shlink.html#shlink:/eyJ1cmwiOiJodHRwczovL3Jhdy5naXRodWJ1c2VyY29udGVudC5jb20v"
    "c2Vhbm5vL3NoYy1kZW1vLWRhdGEvbWFpbi9pcHMvSVBTX0lHLWJ1bmRsZS0wMS1lbmMudHh0IiwiZmxhZyI6IkxVIiwia2V5Ijoicnh"
    "UZ1lsT2FLSlBGdGNFZDBxY2NlTjh3RVU0cDk0U3FBd0lXUWU2dVg3USIsImxhYmVsIjoiRGVtbyBTSEwgZm9yIElQU19JRy1idW5kbG"
    "UtMDEifQ"
)
IPS_PAYLOAD = {
    "url": "https://raw.githubusercontent.com/seanno/shc-demo-data/main/ips/IPS_IG-bundle-01-enc.txt",
    "flag": "LU",
    "key": "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q",
    "label": "Demo SHL for IPS_IG-bundle-01",
}
CGM_LINK = (
    "https://joshuamandel.com/cgm#shlink:/eyJ1cmwiOiJodHRwczovL2pvc2h1YW1hbmRlbC5jb20vY2dtL3NobC8xMjBkYXlfcmF3"
    "X29ic191bmd1ZXNzYWJsZV9zaGxfaWQwMDAwMDAwMDAwIiwiZmxhZyI6IkxVIiwia2V5IjoicmF3X29ic191bmd1ZXNzYWJsZV9yYW5k"
    "b21fa2V5MDAwMDAwMDAwMDAwMCIsImxhYmVsIjoiSm9zaCdzIENHTSBEYXRhIn0"
)
CGM_PAYLOAD = {
    "url": "https://joshuamandel.com/cgm/shl/120day_raw_obs_unguessable_shl_id0000000000",
    "flag": "LU",
    "key": "raw_obs_unguessable_random_key0000000000000",
    "label": "Josh's CGM Data",
}
