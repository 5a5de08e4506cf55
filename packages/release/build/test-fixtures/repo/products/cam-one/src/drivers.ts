const drivers = { sensor: 'IMX-ONE', read: (): number => 21 };
export default drivers;
